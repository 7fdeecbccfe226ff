/*
 * conditions.c - watches the platform for the conditions jobs/cond.c gates transfers on
 * (L11, L12, R2, L25, S4, S7) and reports them with bgc_queue_set_conditions:
 *  - network: connected while some adapter other than loopback and tunnels is up
 *    (GetAdaptersAddresses), woken by NotifyAddrChange;
 *  - cost: INetworkCostManager::GetCost (netprofm), mapped to BITS_COST_STATE_*;
 *  - bandwidth: the BITS Group Policy (registry/policy.c), woken by a change under
 *    HKLM\Software\Policies and at every full hour (its schedule);
 *  - power (S7): GetSystemPowerStatus (AC line; SystemStatusFlag, the Reserved1 byte of older
 *    SDKs, is 1 while Battery Saver is on) and, on machines with modern standby (AoAc), the
 *    console display state (PowerSettingRegisterNotification, GUID_CONSOLE_DISPLAY_STATE):
 *    display off there means the machine is in standby.
 *
 * Invariants:
 *  1. One thread, started at enable and stopped at disable (lifecycle.c); it owns its COM
 *     apartment (MTA) and never holds a lock of the core while asking the system.
 *  2. Project choice: a machine on which no adapter other than loopback was ever seen up
 *     (a sandbox, a test container) counts as connected, so loopback transfers work there;
 *     "disconnected" means the last real adapter went down.
 *  3. Anything the platform cannot tell (no netprofm, an API failure, an unknown AC line
 *     status, no modern standby) keeps the permissive default: connected, UNRESTRICTED, no
 *     limit, AC power, not in standby, no Battery Saver.
 *  4. Every wait is bounded by POLL_MS, so a missed notification costs at most that delay.
 */
#include <winsock2.h> /* before windows.h (server.h): iphlpapi's adapter types need it */
#include <ws2tcpip.h>

#include "server.h"

#include <iphlpapi.h>
#include <netlistmgr.h>
#include <powrprof.h>

#include "bgreg.h"

#define POLL_MS 5000

static HANDLE thread;          /* the watcher, NULL when not running */
static HANDLE stop_event;      /* set by conditions_stop */
static struct bgc_queue *queue; /* borrowed from lifecycle.c for the thread's life */
static BOOL seen_real_adapter; /* invariant 2 */

/* powrprof's callback registration (documented since Windows 8; not in mingw-w64's headers). */
typedef ULONG(CALLBACK *power_callback)(void *context, ULONG type, void *setting);
struct power_subscription {
    power_callback callback;
    void *context;
};
DWORD WINAPI PowerSettingRegisterNotification(LPCGUID setting, DWORD flags, HANDLE recipient, PHPOWERNOTIFY handle);
DWORD WINAPI PowerSettingUnregisterNotification(HPOWERNOTIFY handle);
#define POWER_NOTIFY_CALLBACK 2 /* DEVICE_NOTIFY_CALLBACK */

static volatile LONG display_off; /* modern standby: the console display is off */
static HANDLE power_event;        /* set when the display state changes */

static ULONG CALLBACK display_changed(void *context, ULONG type, void *data)
{
    const POWERBROADCAST_SETTING *setting = data;

    (void)context;
    if (type == PBT_POWERSETTINGCHANGE && setting && setting->DataLength >= sizeof(DWORD) &&
        IsEqualGUID(&setting->PowerSetting, &GUID_CONSOLE_DISPLAY_STATE)) {
        InterlockedExchange(&display_off, *(const DWORD *)setting->Data == 0);
        if (power_event)
            SetEvent(power_event);
    }
    return 0;
}

/* Registers for display-state changes on modern-standby machines; NULL elsewhere. */
static HPOWERNOTIFY watch_standby(void)
{
    static struct power_subscription sub = {display_changed, NULL};
    POWER_PLATFORM_INFORMATION platform;
    HPOWERNOTIFY handle = NULL;

    memset(&platform, 0, sizeof(platform));
    if (CallNtPowerInformation(PlatformInformation, NULL, 0, &platform, sizeof(platform)) != 0 || !platform.AoAc)
        return NULL; /* invariant 3: classic sleep stops everything anyway */
    if (PowerSettingRegisterNotification(&GUID_CONSOLE_DISPLAY_STATE, POWER_NOTIFY_CALLBACK, (HANDLE)&sub,
                                         &handle) != ERROR_SUCCESS)
        return NULL;
    return handle;
}

/* S7: AC line, Battery Saver and standby into c. */
static void power_state(struct bgc_conditions *c, BOOL standby_watched)
{
    SYSTEM_POWER_STATUS ps;

    c->on_battery = 0;
    c->battery_saver = 0;
    if (GetSystemPowerStatus(&ps)) {
        c->on_battery = ps.ACLineStatus == 0; /* 1 AC, 255 unknown: invariant 3 */
        c->battery_saver = ps.Reserved1 == 1; /* SystemStatusFlag */
    }
    c->standby = standby_watched && InterlockedCompareExchange(&display_off, 0, 0) != 0;
}

/* Invariant 2: TRUE while some non-loopback, non-tunnel adapter is up. */
static int network_up(void)
{
    ULONG size = 16384, rc;
    IP_ADAPTER_ADDRESSES *list = NULL;
    int up = 0, tries = 0;

    do {
        free(list);
        list = malloc(size);
        if (!list)
            return 1;
        rc = GetAdaptersAddresses(AF_UNSPEC,
                                  GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER,
                                  NULL, list, &size);
    } while (rc == ERROR_BUFFER_OVERFLOW && ++tries < 4);
    if (rc != ERROR_SUCCESS) {
        free(list);
        return 1; /* invariant 3 */
    }
    for (IP_ADAPTER_ADDRESSES *a = list; a; a = a->Next) {
        if (a->IfType == IF_TYPE_SOFTWARE_LOOPBACK || a->IfType == IF_TYPE_TUNNEL)
            continue;
        if (a->OperStatus == IfOperStatusUp) {
            up = 1;
            seen_real_adapter = TRUE;
        }
    }
    free(list);
    return up || !seen_real_adapter;
}

/* The NLM cost of the machine's connection as one BITS cost-state bit (invariant 3). */
static uint32_t network_cost(INetworkCostManager *ncm)
{
    DWORD cost = 0;

    if (!ncm || FAILED(INetworkCostManager_GetCost(ncm, &cost, NULL)))
        return BGC_COST_STATE_UNRESTRICTED;
    if (cost & NLM_CONNECTION_COST_ROAMING)
        return BGC_COST_STATE_ROAMING;
    if (cost & NLM_CONNECTION_COST_OVERDATALIMIT)
        return BGC_COST_STATE_OVERCAP_CHARGED;
    if (cost & NLM_CONNECTION_COST_APPROACHINGDATALIMIT)
        return BGC_COST_STATE_NEAR_CAP;
    if (cost & NLM_CONNECTION_COST_FIXED)
        return BGC_COST_STATE_BELOW_CAP;
    if (cost & NLM_CONNECTION_COST_VARIABLE)
        return BGC_COST_STATE_USAGE_BASED;
    return BGC_COST_STATE_UNRESTRICTED;
}

static DWORD WINAPI watch(void *arg)
{
    INetworkCostManager *ncm = NULL;
    HANDLE policy_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    HANDLE addr_event = CreateEventW(NULL, FALSE, FALSE, NULL);
    HKEY policies = NULL;
    OVERLAPPED ov;
    HANDLE addr_handle = NULL;
    BOOL addr_armed = FALSE, com = SUCCEEDED(CoInitializeEx(NULL, COINIT_MULTITHREADED));
    HPOWERNOTIFY standby = watch_standby();

    (void)arg;
    if (com && FAILED(CoCreateInstance(&CLSID_NetworkListManager, NULL, CLSCTX_ALL, &IID_INetworkCostManager,
                                       (void **)&ncm)))
        ncm = NULL; /* invariant 3: e.g. no netprofm */
    RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"Software\\Policies", 0, KEY_NOTIFY, &policies);
    for (;;) {
        HANDLE waits[4];
        DWORD n = 0, timeout = POLL_MS, rc;
        struct bgc_conditions c;
        SYSTEMTIME now;
        unsigned next_s = 3600;

        if (policies && policy_event)
            RegNotifyChangeKeyValue(policies, TRUE, REG_NOTIFY_CHANGE_NAME | REG_NOTIFY_CHANGE_LAST_SET, policy_event,
                                    TRUE);
        if (!addr_armed && addr_event) {
            memset(&ov, 0, sizeof(ov));
            ov.hEvent = addr_event;
            rc = NotifyAddrChange(&addr_handle, &ov);
            addr_armed = rc == ERROR_IO_PENDING;
        }
        GetLocalTime(&now);
        c.network_up = network_up();
        c.cost_state = network_cost(ncm);
        c.background_bps = bgreg_bandwidth_policy(&now, &next_s);
        power_state(&c, standby != NULL);
        bgc_queue_set_conditions(queue, &c); /* logs when something changed */
        if ((DWORD)next_s * 1000u < timeout)
            timeout = (DWORD)next_s * 1000u + 1000u;
        waits[n++] = stop_event;
        if (policies && policy_event)
            waits[n++] = policy_event;
        if (power_event)
            waits[n++] = power_event;
        if (addr_armed)
            waits[n++] = addr_event;
        rc = WaitForMultipleObjects(n, waits, FALSE, timeout); /* invariant 4 */
        if (rc == WAIT_OBJECT_0)
            break;
        if (addr_armed && rc == WAIT_OBJECT_0 + n - 1)
            addr_armed = FALSE; /* fired: arm again */
    }
    if (standby)
        PowerSettingUnregisterNotification(standby);
    if (addr_armed)
        CancelIPChangeNotify(&ov);
    if (policies)
        RegCloseKey(policies);
    if (policy_event)
        CloseHandle(policy_event);
    if (addr_event)
        CloseHandle(addr_event);
    if (ncm)
        INetworkCostManager_Release(ncm);
    if (com)
        CoUninitialize();
    return 0;
}

BOOL conditions_start(struct bgc_queue *q)
{
    if (thread)
        return TRUE;
    queue = q;
    stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!stop_event)
        return FALSE;
    power_event = CreateEventW(NULL, FALSE, FALSE, NULL); /* optional: POLL_MS covers its absence */
    thread = CreateThread(NULL, 0, watch, NULL, 0, NULL);
    if (!thread) {
        CloseHandle(stop_event);
        stop_event = NULL;
        return FALSE;
    }
    INFO("conditions: watching the network, its cost, the power state and the bandwidth policy");
    return TRUE;
}

void conditions_stop(void)
{
    if (!thread)
        return;
    SetEvent(stop_event);
    WaitForSingleObject(thread, INFINITE);
    CloseHandle(thread);
    CloseHandle(stop_event);
    if (power_event)
        CloseHandle(power_event);
    thread = stop_event = power_event = NULL;
    queue = NULL;
}
