#!/usr/bin/env python3
"""Repair widl's -Oicf proxy/stub format strings for bgcopy (bgcopy_p.c).

widl (7.0 and 8.0) emits two defects for pointer-to-pointer [out] parameters whose inner
pointer is a plain C pointer (LPWSTR *, byte **, BG_FILE_RANGE **):

 A. Wrong type offset. A parameter that is not a "simple ref" must be described by its own
    top-level pointer, here `FC_RP [allocated_on_stack] [pointer_deref]` -> inner pointer.
    For `[out] LPWSTR *` widl gives the parameter the offset of the *inner* pointer
    (`FC_OP [simple_pointer] FC_C_WSTRING`), one level too deep. The NDR engine then treats
    the stack slot (a WCHAR **) as the string pointer itself: the string never reaches the
    caller's variable, which stays NULL across processes.

 B. [ref] applied to the inner pointer. For `[out, ref] LPWSTR *p` the attribute belongs to
    the top-level pointer only (the inner LPWSTR is unique, as MIDL emits it), but widl also
    makes the inner pointer FC_RP. A server that returns NULL through it (GetCustomHeaders
    with S_FALSE, a missing subject name...) then fails to marshal with
    RPC_X_NULL_REF_POINTER. The inner pointer is turned into FC_OP, the byte MIDL and widl
    use for the same pointer without [ref]; FC_OP and FC_UP put the same bytes on the wire.

How the repair is found (nothing is hard-coded; offsets come from the generated file):
 1. The procedure and type format strings are decoded into bytes from the C initialisers,
    and their sizes checked against PROC/TYPE_FORMAT_STRING_SIZE and widl's offset comments.
 2. Every procedure reachable from an `<Interface>_FormatStringOffsetTable` is walked with
    the NDR -Oicf layout (header, Oi2 header, extensions, 6-byte parameter records) and its
    parameters matched, by position and by widl's parameter-name comments, with the C
    prototype of the method in bgcopy.h (the vtable member, or for a [call_as] twin the
    declaration of its _Proxy function).
 3. For each non-base-type, non-simple-ref, non-by-value parameter, the type described at
    its type offset (widl's `/* N (type) */` comment) must equal the parameter's C type.
    If it does not, the defect-A pattern must be present exactly: the C type is `T *`, the
    entry at the offset is `T`, and the 4 bytes before it are `FC_RP` with `pointer_deref`
    pointing at it and commented `T *`. The offset is then moved to that FC_RP entry.
 4. For every [out] parameter described by an `FC_RP [pointer_deref]` entry whose pointee is
    an FC_RP pointer (defect B), the pointee becomes FC_OP, after checking that no other
    parameter or type entry refers to it.
 Anything that does not fit these patterns stops the build with a message naming the
 method and parameter. A summary line lists how many of each repair were made; --expect-*
 options turn unexpected counts into errors so a widl upgrade cannot silently change them.

Usage: fix_oicf_strings.py --header bgcopy.h --input raw_p.c --output bgcopy_p.c
                           [--no-fix] [--report] [--expect-offset-fixes N] [--expect-ref-fixes N]
"""

import argparse
import os
import re
import sys

FC_RP, FC_UP, FC_OP, FC_FP = 0x11, 0x12, 0x13, 0x14
POINTER_FCS = {FC_RP: "FC_RP", FC_UP: "FC_UP", FC_OP: "FC_OP", FC_FP: "FC_FP"}
FC_ALLOCED_ON_STACK, FC_SIMPLE_POINTER, FC_POINTER_DEREF = 0x04, 0x08, 0x10
FC_AUTO_HANDLE = 0x33
OI_HAS_RPCFLAGS, OI_OBJECT_PROC = 0x08, 0x04
OI2_HAS_EXTENSIONS = 0x40

# PARAM_ATTRIBUTES bits (NDR -Oif parameter descriptor)
P_MUST_SIZE, P_MUST_FREE, P_IS_PIPE, P_IS_IN, P_IS_OUT = 0x1, 0x2, 0x4, 0x8, 0x10
P_IS_RETURN, P_IS_BASETYPE, P_IS_BY_VALUE, P_IS_SIMPLE_REF = 0x20, 0x40, 0x80, 0x100


class FixError(Exception):
    pass


def die(msg):
    raise FixError(msg)


# ---------------------------------------------------------------------------------------------
# Decoding a widl format-string initialiser into bytes, keeping where each byte came from.

TOKEN_RE = re.compile(r"NdrFcShort\(\s*(0x[0-9a-fA-F]+|\d+)\s*\)|NdrFcLong\(\s*(0x[0-9a-fA-F]+|\d+)\s*\)"
                      r"|(0x[0-9a-fA-F]+|\d+)")
COMMENT_RE = re.compile(r"/\*.*?\*/", re.S)


class FormatString:
    """Bytes of one MIDL_*_FORMAT_STRING with a map back to the source text."""

    def __init__(self, text, body_start, body_end, size, label):
        self.label = label
        self.text = text
        self.bytes = []          # int values
        self.tokens = []         # (start, end, kind, first_byte_index)
        self.comments = {}       # offset -> text inside "/* N (...) */", from widl's markers
        self.marker_offsets = [] # offsets announced by "/* N ... */" markers (for cross-check)
        body = text[body_start:body_end]
        pos = 0
        for m in COMMENT_RE.finditer(body):
            self._scan_code(body[pos:m.start()], body_start + pos)
            c = m.group(0)
            mm = re.match(r"/\*\s*(\d+)\s*(?:\((.*)\))?\s*\*/$", c, re.S)
            if mm and self._comment_starts_line(body, m.start()):
                off = int(mm.group(1))
                self.marker_offsets.append((off, len(self.bytes)))
                if mm.group(2) is not None:
                    self.comments[off] = mm.group(2).strip()
            pos = m.end()
        self._scan_code(body[pos:], body_start + pos)
        if len(self.bytes) != size:
            die("%s: decoded %d bytes, the file declares %d" % (label, len(self.bytes), size))
        for off, actual in self.marker_offsets:
            if off != actual:
                die("%s: widl marks offset %d where byte %d is: cannot trust the layout"
                    % (label, off, actual))

    @staticmethod
    def _comment_starts_line(body, idx):
        line_start = body.rfind("\n", 0, idx) + 1
        return body[line_start:idx].strip() == ""

    def _scan_code(self, code, base):
        for m in TOKEN_RE.finditer(code):
            if m.group(1) is not None:
                v = int(m.group(1), 0)
                self.tokens.append((base + m.start(), base + m.end(), "short", len(self.bytes)))
                self.bytes += [v & 0xff, (v >> 8) & 0xff]
            elif m.group(2) is not None:
                v = int(m.group(2), 0)
                self.tokens.append((base + m.start(), base + m.end(), "long", len(self.bytes)))
                self.bytes += [(v >> s) & 0xff for s in (0, 8, 16, 24)]
            else:
                v = int(m.group(3), 0)
                if v > 0xff:
                    die("%s: byte value %s out of range" % (self.label, m.group(3)))
                self.tokens.append((base + m.start(), base + m.end(), "byte", len(self.bytes)))
                self.bytes.append(v)

    def u8(self, off):
        if off < 0 or off >= len(self.bytes):
            die("%s: offset %d outside the string" % (self.label, off))
        return self.bytes[off]

    def u16(self, off):
        return self.u8(off) | (self.u8(off + 1) << 8)

    def s16(self, off):
        v = self.u16(off)
        return v - 0x10000 if v & 0x8000 else v

    def token_at(self, off, kind):
        for t in self.tokens:
            if t[3] == off:
                if t[2] != kind:
                    die("%s: byte %d is not the start of a %s token" % (self.label, off, kind))
                return t
        die("%s: no token starts at byte %d" % (self.label, off))


def find_format_string(src, name, size_macro):
    m = re.search(r"#define\s+%s\s+(\d+)" % size_macro, src)
    if not m:
        die("%s not found: is this widl -Oicf output?" % size_macro)
    size = int(m.group(1))
    m = re.search(r"static const MIDL_\w+_FORMAT_STRING %s =\s*\{\s*0,\s*\{" % name, src)
    if not m:
        die("initialiser of %s not found" % name)
    start = m.end()
    end = src.find("\n    }\n};", start)
    if end < 0:
        die("end of %s not found" % name)
    return FormatString(src, start, end, size, name)


# ---------------------------------------------------------------------------------------------
# C prototypes from the generated header.

def normalise_ctype(t):
    t = re.sub(r"\bconst\b", "", t)
    t = re.sub(r"\s*\[[^\]]*\]", " *", t)          # "T[]" / "T[20]" decays to "T *"
    t = re.sub(r"\s+", " ", t).strip()
    t = re.sub(r"\s*\*", " *", t)
    t = t.replace("* *", "**").replace("* *", "**")
    return t


def split_params(s):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur)
    return [p.strip() for p in out]


def parse_param_decl(decl):
    m = re.match(r"(.*?)(\w+)\s*(\[\s*\])?$", decl.strip(), re.S)
    if not m:
        die("cannot parse parameter declaration '%s'" % decl)
    ctype, name, arr = m.group(1), m.group(2), m.group(3)
    ctype = normalise_ctype(ctype + (" *" if arr else ""))
    return ctype, name


def parse_header(path):
    """Return {(Interface, Method): [(ctype, name), ...]} for methods an interface declares."""
    src = open(path, encoding="utf-8").read()
    methods = {}
    for vm in re.finditer(r"typedef struct (\w+)Vtbl \{(.*?)\} \1Vtbl;", src, re.S):
        body = vm.group(2)
        section = None
        for m in re.finditer(r"/\*\*\* (\w+) methods \*\*\*/|"
                             r"HRESULT \(STDMETHODCALLTYPE \*(\w+)\)\((.*?)\);", body, re.S):
            if m.group(1):
                section = m.group(1)
                continue
            params = [parse_param_decl(p) for p in split_params(m.group(3))]
            methods.setdefault((section, m.group(2)), params[1:])   # drop This
    # [call_as] twins have no vtable slot; widl declares their client stubs instead:
    # HRESULT STDMETHODCALLTYPE IFoo_RemoteBar_Proxy(IFoo* This, ...);
    for m in re.finditer(r"HRESULT STDMETHODCALLTYPE (\w+?)_(\w+)_Proxy\((.*?)\);", src, re.S):
        params = [parse_param_decl(p) for p in split_params(m.group(3))]
        if params and params[0][1] == "This" and normalise_ctype(params[0][0]) == m.group(1) + " *":
            methods.setdefault((m.group(1), m.group(2)), params[1:])
    if not methods:
        die("no interface vtables found in %s" % path)
    return methods


# ---------------------------------------------------------------------------------------------
# Walking the procedures.

class Param:
    def __init__(self, rec_off, attrs, stack, type_off, name):
        self.rec_off = rec_off
        self.attrs = attrs
        self.stack = stack
        self.type_off = type_off
        self.name = name


def walk_procedure(proc, off, where):
    if proc.u8(off) != FC_AUTO_HANDLE:
        die("%s: handle type 0x%02x, expected FC_AUTO_HANDLE" % (where, proc.u8(off)))
    oi_flags = proc.u8(off + 1)
    if not oi_flags & OI_OBJECT_PROC:
        die("%s: not an object procedure" % where)
    p = off + 2
    if oi_flags & OI_HAS_RPCFLAGS:
        p += 4
    p += 4                      # procedure number, stack size
    p += 4                      # client buffer size, server buffer size
    oi2_flags = proc.u8(p)
    nparams = proc.u8(p + 1)
    p += 2
    if oi2_flags & OI2_HAS_EXTENSIONS:
        ext = proc.u8(p)
        if ext < 2:
            die("%s: bad extension size %d" % (where, ext))
        p += ext
    params = []
    for _ in range(nparams):
        attrs = proc.u16(p)
        stack = proc.u16(p + 2)
        type_off = None if attrs & P_IS_BASETYPE else proc.u16(p + 4)
        params.append(Param(p, attrs, stack, type_off, None))
        p += 6
    return params


def ptr_desc(fmt, off):
    """Decode a pointer descriptor at off: (fc, flags, target offset or None if inline)."""
    fc = fmt.u8(off)
    if fc not in POINTER_FCS:
        return None
    flags = fmt.u8(off + 1)
    if flags & FC_SIMPLE_POINTER:
        return fc, flags, off + 2
    return fc, flags, off + 2 + fmt.s16(off + 2)


def referenced_type_offsets(fmt, params):
    """Every type offset something refers to: parameters, and widl's 'Offset= d (abs)' notes."""
    refs = {}
    for p in params:
        if p.type_off is not None:
            refs.setdefault(p.type_off, []).append("parameter %s" % p.name)
    for m in re.finditer(r"Offset=\s*-?\d+\s*\((\d+)\)", fmt.text[fmt.tokens[0][0]:fmt.tokens[-1][1]]):
        refs.setdefault(int(m.group(1)), []).append("type entry")
    return refs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--header", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--no-fix", action="store_true",
                    help="verify the patterns but write the input unchanged (to prove a test fails)")
    ap.add_argument("--report", action="store_true", help="print every checked parameter")
    ap.add_argument("--report-file", help="write the per-parameter report to this file")
    ap.add_argument("--expect-offset-fixes", type=int)
    ap.add_argument("--expect-ref-fixes", type=int)
    args = ap.parse_args()

    src = open(args.input, encoding="utf-8").read()
    if "#define USE_STUBLESS_PROXY" not in src:
        die("%s is not widl -Oicf (stubless) output" % args.input)
    proc = find_format_string(src, "__MIDL_ProcFormatString", "PROC_FORMAT_STRING_SIZE")
    types = find_format_string(src, "__MIDL_TypeFormatString", "TYPE_FORMAT_STRING_SIZE")
    protos = parse_header(args.header)

    # Procedures: first interface that lists a method owns its procedure.
    procs = {}
    for tm in re.finditer(r"static const unsigned short (\w+)_FormatStringOffsetTable\[\] =\s*\{(.*?)\};",
                          src, re.S):
        for em in re.finditer(r"(\d+),\s*/\* (\w+)::(\w+) \*/", tm.group(2)):
            key = (em.group(2), em.group(3))
            off = int(em.group(1))
            if procs.setdefault(key, off) != off:
                die("%s::%s has two procedure offsets" % key)
    if not procs:
        die("no FormatStringOffsetTable found")

    all_params = []
    checked = []            # (where, param, ctype)
    marker_re = re.compile(r"/\* (\d+) \(parameter (\w+)\) \*/")
    names = {int(m.group(1)): m.group(2) for m in marker_re.finditer(src)}
    for (iface, method), off in sorted(procs.items(), key=lambda kv: kv[1]):
        where = "%s::%s" % (iface, method)
        if (iface, method) not in protos:
            die("%s: no prototype in %s" % (where, args.header))
        cparams = protos[(iface, method)]
        params = walk_procedure(proc, off, where)
        if not params or not params[-1].attrs & P_IS_RETURN:
            die("%s: last parameter is not the return value" % where)
        params = params[:-1]
        if len(params) != len(cparams):
            die("%s: %d NDR parameters, %d in the prototype" % (where, len(params), len(cparams)))
        for p, (ctype, name) in zip(params, cparams):
            if names.get(p.rec_off) != name:
                die("%s: parameter record at %d is '%s', prototype says '%s'"
                    % (where, p.rec_off, names.get(p.rec_off), name))
            p.name = "%s(%s)" % (where, name)
            all_params.append(p)
            checked.append((where, p, ctype))

    offset_fixes = []       # (param, old, new)
    for where, p, ctype in checked:
        if p.attrs & (P_IS_BASETYPE | P_IS_SIMPLE_REF | P_IS_BY_VALUE | P_IS_PIPE):
            continue
        described = types.comments.get(p.type_off)
        if described is None:
            die("%s: type offset %d has no type name in widl's comments" % (p.name, p.type_off))
        described = normalise_ctype(described)
        if described == ctype:
            continue
        # Defect A: expected "T *" described by the entry of "T" right after an FC_RP deref.
        outer = p.type_off - 4
        pd = ptr_desc(types, outer) if outer >= 2 else None
        if (p.attrs & P_IS_OUT and not p.attrs & P_IS_IN
                and ctype == normalise_ctype(described + " *")
                and pd is not None and pd[0] == FC_RP and pd[1] & FC_POINTER_DEREF
                and pd[2] == p.type_off
                and normalise_ctype(types.comments.get(outer, "")) == ctype):
            offset_fixes.append((p, p.type_off, outer))
            continue
        die("%s: C type '%s' but the type offset %d describes '%s', and this is not the known "
            "widl [out] pointer-to-pointer pattern; inspect %s" % (p.name, ctype, p.type_off,
                                                                   described, args.input))

    for p, old, new in offset_fixes:
        p.type_off = new

    # Defect B: inner pointer of an [out] pointer-to-pointer turned into FC_RP.
    refs = referenced_type_offsets(types, all_params)
    ref_fixes = []
    for where, p, ctype in checked:
        if p.type_off is None or not p.attrs & P_IS_OUT or p.attrs & (P_IS_SIMPLE_REF | P_IS_BASETYPE):
            continue
        pd = ptr_desc(types, p.type_off)
        if pd is None or pd[0] != FC_RP or not pd[1] & FC_POINTER_DEREF:
            continue
        inner = pd[2]
        ipd = ptr_desc(types, inner)
        if ipd is None or ipd[0] != FC_RP:
            continue
        users = [u for u in refs.get(inner, []) if u != "type entry"]
        if len(refs.get(inner, [])) != 1 or users:
            die("%s: inner pointer at %d is shared (%s); refusing to change it"
                % (p.name, inner, ", ".join(refs.get(inner, []))))
        if inner in [r[1] for r in ref_fixes]:
            continue
        ref_fixes.append((p, inner))

    report = []
    for where, p, ctype in checked:
        fx = [f for f in offset_fixes if f[0] is p]
        rf = [r for r in ref_fixes if r[0] is p]
        tdesc = "-" if p.type_off is None else "%d %s" % (p.type_off, types.comments.get(p.type_off, "?"))
        report.append("%-70s attrs=0x%04x %-26s -> %s%s%s" % (
            p.name, p.attrs, ctype, tdesc,
            "  [type offset was %d]" % fx[0][1] if fx else "",
            "  [inner FC_RP at %d -> FC_OP]" % rf[0][1] if rf else ""))
    if args.report:
        print("\n".join(report))
    if args.report_file:
        with open(args.report_file, "w", encoding="utf-8") as f:
            f.write("# parameter  NDR attributes  C type  -> type offset and widl's type name as repaired%s\n"
                    "# '-' = base type; '?' = simple ref (offset of the pointee)\n"
                    % (" (NOT applied: --no-fix)" if args.no_fix else ""))
            f.write("\n".join(report) + "\n")

    out = src
    if not args.no_fix:
        edits = []   # (start, end, replacement) on the source text
        for p, old, new in offset_fixes:
            s, e, _, _ = proc.token_at(p.rec_off + 4, "short")
            edits.append((s, e, "NdrFcShort(0x%x)" % new))
            line_end = src.find("\n", e)
            cm = re.search(r"/\* type offset = %d \*/" % old, src[e:line_end])
            if cm:
                edits.append((e + cm.start(), e + cm.end(),
                              "/* type offset = %d (fix_oicf_strings.py: was %d) */" % (new, old)))
        for p, inner in ref_fixes:
            s, e, _, _ = types.token_at(inner, "byte")
            edits.append((s, e, "0x%02x" % FC_OP))
            line_end = src.find("\n", e)
            cm = re.search(r"/\* FC_RP", src[e:line_end])
            if cm:
                edits.append((e + cm.start(), e + cm.end(),
                              "/* FC_OP (fix_oicf_strings.py: was FC_RP)"))
        for s, e, rep in sorted(edits, reverse=True):
            out = out[:s] + rep + out[e:]
        out = out.replace("/*** Autogenerated by WIDL",
                          "/*** Format strings repaired by idl/fix_oicf_strings.py (%d type offsets, "
                          "%d inner [ref] pointers) ***/\n/*** Autogenerated by WIDL"
                          % (len(offset_fixes), len(ref_fixes)), 1)

    print("fix_oicf_strings: %d procedures, %d parameters checked; %d [out] pointer-to-pointer "
          "type offsets %s, %d inner [ref] pointers %s"
          % (len(procs), len(checked), len(offset_fixes), "left as widl wrote them" if args.no_fix else "repaired",
             len(ref_fixes), "left as widl wrote them" if args.no_fix else "made unique (FC_OP)"))
    if args.expect_offset_fixes is not None and args.expect_offset_fixes != len(offset_fixes):
        die("expected %d type-offset repairs, found %d: widl's output changed, review the fix"
            % (args.expect_offset_fixes, len(offset_fixes)))
    if args.expect_ref_fixes is not None and args.expect_ref_fixes != len(ref_fixes):
        die("expected %d inner-[ref] repairs, found %d: widl's output changed, review the fix"
            % (args.expect_ref_fixes, len(ref_fixes)))
    if args.no_fix:
        print("fix_oicf_strings: WARNING: --no-fix given; bgcopy_p.c is widl's defective output")

    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(out)
    os.replace(tmp, args.output)


if __name__ == "__main__":
    try:
        main()
    except FixError as e:
        sys.stderr.write("fix_oicf_strings.py: error: %s\n" % e)
        sys.exit(1)
