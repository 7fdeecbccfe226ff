/*
 * lifecycle.h - the phases of the bgcopysvc.exe server process (lifecycle.c) and the Windows
 * service around them (service.c). server/ only.
 *
 * The driver-instance model of bits-behavior §9, mapped to the process:
 *   load     lifecycle_load     configuration, log, one server per DataDir, COM, the job store
 *   enable   lifecycle_enable   class objects registered: activations reach this process
 *   open     server_lock        (server.h) each client object / LockServer(TRUE)
 *   close    server_unlock      (server.h) its last Release / LockServer(FALSE)
 *   (serve)  lifecycle_serve    until the idle rule or a service stop decides the end
 *   disable  lifecycle_disable  activations refused, class objects revoked, threads stopped,
 *                               store flushed and closed (bgc_queue_free)
 *   free     lifecycle_free     COM, instance guard and log released; the caller exits
 */
#ifndef BGC_LIFECYCLE_H
#define BGC_LIFECYCLE_H

#include <windows.h>

/* How the process was started; decides the configuration scope and the end of `serve`. */
enum lifecycle_mode {
    LIFECYCLE_COM,       /* -Embedding: COM started it for an activation on its way */
    LIFECYCLE_AUTOSTART, /* /autostart: the per-user logon start (Run key) */
    LIFECYCLE_SERVICE,   /* /Service: the Windows service (machine-wide configuration) */
};

/* DRV_LOAD. Reads the configuration (HKCU then HKLM; HKLM only for the service), opens the
 * log, takes the instance guard of DataDir (waits up to 30 s for a server that is stopping),
 * initialises COM and creates the queue on DataDir\jobs.db (bgc_queue_new opens the store,
 * recovers its jobs and starts the engine and notification threads: the core has no separate
 * start call). Returns 0, or the process exit code on failure, after undoing what it did and
 * logging why; nothing is registered with COM then. *already_served is set (may be NULL)
 * when the guard shows another server owns DataDir (an /autostart then exits with 0). */
int lifecycle_load(enum lifecycle_mode mode, BOOL *already_served);

/* DRV_ENABLE: registers the class object for CLSID_BgCopyManager (and the BITS CLSIDs of an
 * /asbits registration). Returns 0 or an exit code (then call lifecycle_disable/_free). */
int lifecycle_enable(void);

/* Serves until the end is decided: for COM and autostart the idle rule (server/lifecycle.c
 * invariant 2), for the service lifecycle_request_stop(). On return `stopping` is set, so no
 * new object is handed out. */
void lifecycle_serve(void);

/* Service control handler: asks lifecycle_serve to return (STOP, SHUTDOWN). Any thread. */
void lifecycle_request_stop(void);

/* DRV_DISABLE: revokes the class objects and frees the queue (threads stopped, transfers
 * detached with their temporary files, the store flushed and closed). */
void lifecycle_disable(void);

/* DRV_FREE: CoUninitialize, releases the instance guard, logs "stopped" and closes the log. */
void lifecycle_free(void);

/* The whole sequence for -Embedding and /autostart; returns the process exit code. */
int lifecycle_run(enum lifecycle_mode mode);

/* ---- service.c ---------------------------------------------------------------------------- */

/* /Service: hands the main thread to the service control dispatcher; the service "bgcopy"
 * runs load, enable, serve, disable, free. Returns the process exit code (1 when not started
 * by the service control manager, with a message on stderr). */
int service_run(void);

/* Called by lifecycle_serve about every 250 ms in service mode with the number of non-final
 * jobs: keeps the service's start type at delayed auto-start while jobs exist and at demand
 * start otherwise (bits-behavior P6). Changes the configuration only on a transition. */
void service_note_jobs(size_t job_count);

#endif /* BGC_LIFECYCLE_H */
