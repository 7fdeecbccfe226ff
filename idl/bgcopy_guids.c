/*
 * bgcopy_guids.c: defines the bgcopy GUIDs that widl's bgcopy_i.c does not (CLSID_BgCopyPSFactory,
 * APPID_BgCopy, CLSID_BgCopyNotify). Part of the bgc_idl_guids library, next to bgcopy_i.c.
 *
 * Invariant: the values live only in bgcopy.idl (BGCOPY_EXTRA_GUID lines); bgcopy.h declares
 * them as extern const GUID for every other translation unit, and this file, by defining
 * BGCOPY_EXTRA_GUID first, turns the same lines into the single definition of each.
 */
#include <windows.h>

#define BGCOPY_EXTRA_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
    extern const GUID name;                                                 \
    const GUID name = { l, w1, w2, { b1, b2, b3, b4, b5, b6, b7, b8 } }

#include "bgcopy.h"
