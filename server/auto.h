/*
 * auto.h - automation for scripts (issue 5 item 2): the dual (IDispatch) object model of
 * bgcopy.tlb (IBgCopyAutoManager, IBgCopyAutoJob, IBgCopyAutoFile, IBgCopyAutoCollection),
 * served by bgcopysvc.exe. server/ only.
 *
 * The automation objects are thin adapters over the BITS COM objects of the same process
 * (manager.c, job.c, file.c): every member calls one BITS method, so validation, HRESULT mapping
 * and logging stay in one place (STYLE 5.3, 5.8) and scripts see exactly what BITS clients see.
 *
 * Invariants kept by all auto_*.c files:
 *  1. Each automation object holds one server lock and one reference on the BITS object it
 *     adapts, both released by its final Release.
 *  2. IDispatch is implemented with the type library (auto_dispatch.c): names, DISPIDs,
 *     argument coercion and the DISP_E_* codes come from oleaut32's ITypeInfo::Invoke, so a bad
 *     DISPID, a wrong argument count or an argument that cannot be coerced gets a DISP_E_* code,
 *     never a call into a member with wrong types.
 *  3. A failing member records an IErrorInfo (auto_error) whose description is the BITS text
 *     of the HRESULT, so ITypeInfo::Invoke turns it into DISP_E_EXCEPTION with that text and
 *     the HRESULT as scode: scripts see a readable message and the BITS code.
 *  4. Collections and enumerators are snapshots taken when the collection is created.
 */
#ifndef BGC_SERVER_AUTO_H
#define BGC_SERVER_AUTO_H

#include "server.h"

#include <ocidl.h>  /* IConnectionPoint*, IProvideClassInfo (WIN32_LEAN_AND_MEAN leaves them out) */
#include <olectl.h> /* CONNECT_E_* */

/* ---- auto_dispatch.c: the type library and the IDispatch members ------------------------ */

/* The type info of one of the dual interfaces (AddRef'd), from the registered bgcopy.tlb or,
 * when it is not registered, bgcopy.tlb next to bgcopysvc.exe. Loaded once per process. */
HRESULT auto_typeinfo(REFIID iid, ITypeInfo **out);
/* IDispatch members shared by every automation object; iface is the dual interface pointer
 * whose vtable ITypeInfo::Invoke calls. */
HRESULT auto_get_type_info_count(UINT *count);
HRESULT auto_get_type_info(REFIID iid, UINT index, ITypeInfo **out);
HRESULT auto_get_ids_of_names(REFIID iid, REFIID riid, LPOLESTR *names, UINT count, DISPID *ids);
HRESULT auto_invoke(REFIID iid, void *iface, DISPID member, REFIID riid, WORD flags, DISPPARAMS *params,
                    VARIANT *result, EXCEPINFO *excep, UINT *arg_err);
/* Records hr's BITS description as the thread's IErrorInfo (invariant 3) and returns hr.
 * No-op for success codes. */
HRESULT auto_error(HRESULT hr, REFIID iid);
/* BSTR copy of a CoTaskMem string, which it frees (also on failure). NULL gives "". */
HRESULT auto_bstr_from_cotask(WCHAR *s, BSTR *out);
/* "{XXXXXXXX-...}" of id as a BSTR. */
HRESULT auto_bstr_from_guid(const GUID *id, BSTR *out);
/* Parses "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" (braces optional). E_INVALIDARG when s is
 * not a GUID. */
HRESULT auto_guid_from_string(const WCHAR *s, GUID *out);

/* ---- The objects ------------------------------------------------------------------------ */

/* auto_manager.c: the IBgCopyAutoManager tear-off of a manager object. Its IUnknown and every
 * other interface are the manager's (one COM identity); takes a reference on manager. The
 * manager's QueryInterface calls it for IID_IDispatch and IID_IBgCopyAutoManager. */
HRESULT AutoManager_create(IBackgroundCopyManager *manager, REFIID riid, void **ppv);
/* auto_job.c: an IBgCopyAutoJob over job (AddRef'd). */
HRESULT AutoJob_create(IBackgroundCopyJob *job, IDispatch **out);
/* auto_file.c: an IBgCopyAutoFile over file (AddRef'd). */
HRESULT AutoFile_create(IBackgroundCopyFile *file, IDispatch **out);
/* auto_collection.c: an IBgCopyAutoCollection over items[0..count), taking ownership of the
 * array, its references and keys (array of BSTR or NULL: Item(string) matches a key without
 * case), also on failure. */
HRESULT AutoCollection_create(IDispatch **items, BSTR *keys, size_t count, IDispatch **out);

/* ---- auto_events.c: job events (_IBgCopyJobEvents) ---------------------------------------- */

/* A connection point for the events of job (GUID) on container (AddRef'd). */
HRESULT auto_events_connection_point(IConnectionPointContainer *container, const GUID *job, IConnectionPoint **out);
/* Fires the script event for ev (TRANSFERRED -> Transferred, ERROR -> Error, MODIFICATION ->
 * Modification; others: no-op) to the sinks connected to core's job. Called by notify.c on a
 * notification thread (MTA) with no lock held; calls out with no lock held. */
void auto_events_fire(struct bgc_job *core, enum bgc_event ev);

#endif /* BGC_SERVER_AUTO_H */
