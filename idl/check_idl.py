#!/usr/bin/env python3
"""Check widl's output for bgcopy.idl against the BITS reference (bits-reference.md).

Compared, each from the reference text against the generated files:
  - every interface IID (reference section 2) with the IID_* defined in bgcopy_i.c;
  - every interface's base and NumMethods (section 2) with the vtable struct in bgcopy.h;
  - every method's slot (section 3 tables) with its position in that vtable;
  - every manager CLSID (section 1) with the CLSID_* in bgcopy_i.c;
  - every enum value and numeric constant (section 4) and every BG_*/BITS_MC_* HRESULT
    (section 5) with the enumerators and #defines in bgcopy.h.
Interfaces the reference lists but bgcopy deliberately does not provide are named
(AsyncIBackgroundCopyCallback). bgcopy's own automation interfaces (IBgCopyAuto*) are not BITS:
they are exempt from the "IID the reference does not list" check but must not reuse a BITS IID.
Exit status 1 on any difference.

Usage: check_idl.py --reference bits-reference.md --header bgcopy.h --iids bgcopy_i.c [-v]
"""

import argparse
import re
import sys

NOT_PROVIDED = {"AsyncIBackgroundCopyCallback": "no async_uuid on IBackgroundCopyCallback"}
# bgcopy's own automation interfaces (issue 5 item 2): not BITS, so the reference does not list
# them; their IIDs are bgcopy's and they must never reuse a BITS IID (checked below).
OWN_PREFIX = "IBgCopyAuto"


def guid_from_define(parts):
    l, w1, w2 = (int(x, 0) for x in parts[:3])
    b = [int(x, 0) for x in parts[3:11]]
    return "%08X-%04X-%04X-%02X%02X-%s" % (l, w1, w2, b[0], b[1], "".join("%02X" % x for x in b[2:]))


def parse_guids(path):
    src = open(path, encoding="utf-8").read()
    out = {}
    for m in re.finditer(r"MIDL_DEFINE_GUID\(\s*\w+\s*,\s*(\w+)\s*,\s*(0x[^)]*)\)", src):
        out[m.group(1)] = guid_from_define([p.strip() for p in m.group(2).split(",")])
    return out


def parse_header(path):
    src = open(path, encoding="utf-8").read()
    vtbls, bases = {}, {}
    for m in re.finditer(r"typedef struct (\w+)Vtbl \{(.*?)\} \1Vtbl;", src, re.S):
        vtbls[m.group(1)] = re.findall(r"\(STDMETHODCALLTYPE \*(\w+)\)", m.group(2))
    for m in re.finditer(r"MIDL_INTERFACE\(\"[^\"]*\"\)\s*(\w+)\s*:\s*public\s+(\w+)", src):
        bases[m.group(1)] = m.group(2)
    values = {}
    for m in re.finditer(r"^#define\s+(BG_\w+|BITS_\w+)\s+(.+)$", src, re.M):
        values[m.group(1)] = m.group(2).strip()
    for em in re.finditer(r"typedef enum \w*\s*\{(.*?)\}", src, re.S):
        for m in re.finditer(r"(\w+)\s*=\s*([^,\n]+)", em.group(1)):
            values[m.group(1)] = m.group(2).strip()
    return vtbls, bases, values


def numeric(text):
    """Integer value of a C constant expression of the simple forms used here, else None."""
    t = text.strip()
    t = re.sub(r"^\(\(HRESULT\)\s*(.*?)\)$", r"\1", t)
    t = re.sub(r"^\(\s*(.*?)\s*\)$", r"\1", t)
    t = re.sub(r"(?<=[0-9a-fA-F])[uUlL]+$", "", t)
    try:
        return int(t, 0) & 0xffffffff
    except ValueError:
        return None


def section(ref, start, end):
    a = ref.index(start)
    b = ref.index(end, a) if end else len(ref)
    return ref[a:b]


def parse_reference(path):
    ref = open(path, encoding="utf-8").read()
    ifaces = {}
    for m in re.finditer(r"^\| (I\w+|AsyncI\w+) \| `\{([0-9A-Fa-f-]+)\}` \| (\w+) \| [^|]+ \| [^|]+ \| (\d+) \|",
                         section(ref, "## 2. Interface index", "## 3."), re.M):
        ifaces[m.group(1)] = {"iid": m.group(2).upper(), "base": m.group(3), "num": int(m.group(4))}
    slots = {}
    s3 = section(ref, "## 3. Interfaces in vtable order", "## 4.")
    for hm in re.finditer(r"^#### (\w+)\n(.*?)(?=^#### |^### |\Z)", s3, re.S | re.M):
        rows = re.findall(r"^\| (\d+) \| (\w+) \|", hm.group(2), re.M)
        slots[hm.group(1)] = [(int(s), name) for s, name in rows]
    clsids = {}
    for m in re.finditer(r"(BackgroundCopyManager\w*) `\{([0-9A-Fa-f-]+)\}`", section(ref, "## 1.", "## 2.")):
        clsids["CLSID_" + m.group(1)] = m.group(2).upper()
    consts = {}
    s4 = section(ref, "## 4. Types", "### 4.3")
    for m in re.finditer(r"^\| (0x[0-9A-Fa-f]+|\d+) \| ((?:BG|BITS)_[A-Z0-9_]+)", s4, re.M):
        consts[m.group(2)] = int(m.group(1), 0)
    for m in re.finditer(r"^\| ((?:BG|BITS)_[A-Z0-9_]+) \| (0x[0-9A-Fa-f]+|\d+) \|", s4, re.M):
        consts[m.group(1)] = int(m.group(2), 0)
    for m in re.finditer(r"(?<![\w|]) (\d+) `((?:BG|BITS)_[A-Z0-9_]+)`", s4):
        consts[m.group(2)] = int(m.group(1))
    hresults = {}
    for m in re.finditer(r"((?:BG_[ES]|BITS_MC)_[A-Z0-9_]+)[^0-9A-Za-z_]{1,6}(0x[0-9A-Fa-f]{8})",
                         section(ref, "## 5. HRESULTs", "### 5.7")):
        hresults.setdefault(m.group(1), int(m.group(2), 16))
    return ifaces, slots, clsids, consts, hresults


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", required=True)
    ap.add_argument("--header", required=True)
    ap.add_argument("--iids", required=True)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    ifaces, slots, clsids, consts, hresults = parse_reference(args.reference)
    guids = parse_guids(args.iids)
    vtbls, bases, values = parse_header(args.header)
    problems = []
    counts = {"interfaces": 0, "slots": 0, "clsids": 0, "constants": 0, "hresults": 0}

    if len(ifaces) < 29 or len(hresults) < 150 or len(consts) < 80:
        problems.append("reference parse looks incomplete: %d interfaces, %d HRESULTs, %d constants"
                        % (len(ifaces), len(hresults), len(consts)))

    for name, info in sorted(ifaces.items()):
        if name in NOT_PROVIDED:
            if "IID_" + name in guids:
                problems.append("%s is defined although it is documented as not provided" % name)
            elif args.verbose:
                print("skip  %-52s not provided (%s)" % (name, NOT_PROVIDED[name]))
            continue
        got = guids.get("IID_" + name)
        if got != info["iid"]:
            problems.append("IID_%s: reference {%s}, bgcopy_i.c {%s}" % (name, info["iid"], got))
        if name not in vtbls:
            problems.append("%s: no vtable in bgcopy.h" % name)
            continue
        if len(vtbls[name]) != info["num"]:
            problems.append("%s: NumMethods %d in the reference, %d slots in bgcopy.h"
                            % (name, info["num"], len(vtbls[name])))
        if bases.get(name) != info["base"]:
            problems.append("%s: base %s in the reference, %s in bgcopy.h" % (name, info["base"], bases.get(name)))
        for slot, method in slots.get(name, []):
            counts["slots"] += 1
            have = vtbls[name][slot] if slot < len(vtbls[name]) else None
            if have != method:
                problems.append("%s slot %d: reference %s, bgcopy.h %s" % (name, slot, method, have))
        if not slots.get(name):
            problems.append("%s: no slot table found in the reference" % name)
        counts["interfaces"] += 1
        if args.verbose:
            print("ok    %-52s {%s} : %s, %d methods" % (name, info["iid"], info["base"], info["num"]))
    extra = sorted(k[4:] for k in guids
                   if k.startswith("IID_") and k[4:] not in ifaces and not k[4:].startswith(OWN_PREFIX))
    bits_iids = {info["iid"] for info in ifaces.values()}
    for k in sorted(guids):
        if k.startswith("IID_" + OWN_PREFIX) and guids[k] in bits_iids:
            problems.append("%s reuses a BITS IID {%s}" % (k, guids[k]))
    if extra:
        problems.append("IIDs in bgcopy_i.c that the reference does not list: %s" % ", ".join(extra))

    for name, value in sorted(clsids.items()):
        counts["clsids"] += 1
        if guids.get(name) != value:
            problems.append("%s: reference {%s}, bgcopy_i.c {%s}" % (name, value, guids.get(name)))

    for name, value in sorted(consts.items()):
        counts["constants"] += 1
        got = numeric(values[name]) if name in values else None
        if got != value & 0xffffffff:
            problems.append("%s: reference 0x%x, bgcopy.h %s" % (name, value, values.get(name)))

    for name, value in sorted(hresults.items()):
        counts["hresults"] += 1
        got = numeric(values[name]) if name in values else None
        if got != value:
            problems.append("%s: reference 0x%08x, bgcopy.h %s" % (name, value, values.get(name)))
    # Both spellings of 0x80200023 (reference section 9).
    for alias in ("BG_E_SERVER_EXECUTE_ENABLE", "BG_E_SERVER_EXECUTE_ENABLED"):
        if numeric(values.get(alias, "")) != 0x80200023:
            problems.append("%s is not 0x80200023 in bgcopy.h" % alias)

    print("check_idl: %(interfaces)d interfaces (IID, base, NumMethods), %(slots)d method slots, "
          "%(clsids)d CLSIDs, %(constants)d constants, %(hresults)d HRESULTs compared" % counts)
    for p in problems:
        print("MISMATCH: " + p)
    if problems:
        print("check_idl: %d difference(s)" % len(problems))
        return 1
    print("check_idl: no differences")
    return 0


if __name__ == "__main__":
    sys.exit(main())
