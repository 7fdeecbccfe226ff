#!/usr/bin/env python3
"""check_switches.py - keeps bgcopyadmin's switch table, its docs and the README in step.

Reads client/switches.c (the single list of switches) and checks that
  1. every switch name is lower case and unique, and every switch of bitsadmin that issue 5
     lists (plus bgcopy's own) is in the table;
  2. every entry names a page in client/docs/ that exists, has the fixed sections
     (NAME, SYNOPSIS, DESCRIPTION, OUTPUT, EXAMPLE, EXIT STATUS, in that order) and shows the
     switch in its SYNOPSIS;
  3. the README's switch table has one row per switch with the right status ("done", or
     "waiting for upload jobs" for the upload-only switches) and page.
Usage: check_switches.py SOURCE_DIR. Exit status 0 when all holds, 1 with one line per problem.
"""
import os
import re
import sys

REQUIRED = """addfile addfileset addfilewithranges cancel complete create geterror getbytestotal
getbytestransferred getcompletiontime getcreationtime getcustomheaders getdescription getdisplayname
geterrorcount getfilestotal getfilestransferred gethttpmethod getmaxdownloadtime getminretrydelay
getmodificationtime getnoprogresstimeout getnotifycmdline getnotifyflags getnotifyinterface getowner
getpriority getproxybypasslist getproxylist getproxyusage getsecurityflags getstate gettemporaryname
gettype getvalidationstate info list monitor removecredentials replaceremoteprefix reset resume
setcredentials setcustomheaders setdescription setdisplayname sethttpmethod setmaxdownloadtime
setminretrydelay setnoprogresstimeout setnotifycmdline setnotifyflags setpriority setproxysettings
setsecurityflags setvalidationstate suspend takeownership transfer util help setnotifyclsid
getnotifyclsid wait getreplyfilename setreplyfilename getreplydata""".split()
SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "OUTPUT", "EXAMPLE", "EXIT STATUS"]


def parse_table(src):
    body = src[src.index("bgcli_switches[] = {"):src.index("const size_t bgcli_switch_count")]
    entries = []
    for chunk in re.split(r'\n    \{ L"', body)[1:]:
        name = chunk[:chunk.index('"')]
        m = re.search(r',\s*(-?\d+),\s*(-?\d+),\s*([^,]+),\s*(\w+),\s*L"([^"]*)"', chunk)
        doc = re.search(r'L"([a-z0-9-]+\.md)" \}', chunk)
        if not m or not doc:
            raise SystemExit(f"switches.c: cannot parse the entry of /{name}")
        entries.append({"name": name, "flags": m.group(3), "run": m.group(4), "synopsis": m.group(5),
                        "doc": doc.group(1)})
    return entries


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    problems = []
    src = open(os.path.join(root, "client", "switches.c"), encoding="utf-8").read()
    entries = parse_table(src)
    names = [e["name"] for e in entries]
    for n in names:
        if n != n.lower() or names.count(n) > 1:
            problems.append(f"switch /{n}: not lower case or not unique")
    for n in REQUIRED:
        if n not in names:
            problems.append(f"switch /{n}: missing from the table")
    readme = open(os.path.join(root, "README.md"), encoding="utf-8").read()
    for e in entries:
        upload = "BGCLI_SW_UPLOAD" in e["flags"]
        if upload != (e["run"] == "NULL"):
            problems.append(f"switch /{e['name']}: an upload-only switch has no handler, others have one")
        path = os.path.join(root, "client", "docs", e["doc"])
        if not os.path.exists(path):
            problems.append(f"switch /{e['name']}: page {e['doc']} does not exist")
        else:
            page = open(path, encoding="utf-8").read()
            found = [s for s in re.findall(r"^## (.+)$", page, re.M)]
            if found != SECTIONS:
                problems.append(f"{e['doc']}: sections {found}, expected {SECTIONS}")
            syn = page.split("## SYNOPSIS", 1)[-1].split("## DESCRIPTION", 1)[0]
            if not re.search(r"/" + re.escape(e["name"]) + r"\b", syn, re.I):
                problems.append(f"{e['doc']}: SYNOPSIS does not show /{e['name']}")
        cell = e["synopsis"].replace("|", "\\|")
        row = re.search(r"^\| `" + re.escape(cell) + r"` \| ([^|]*(?:\\\|[^|]*)*) \| \[" + re.escape(e["doc"]) + r"\]",
                        readme, re.M)
        if not row:
            problems.append(f"README.md: no switch table row for `{e['synopsis']}` linking {e['doc']}")
        else:
            status = row.group(1)
            if upload and status != "waiting for upload jobs":
                problems.append(f"README.md: /{e['name']} should be 'waiting for upload jobs'")
            if not upload and not status.startswith("done"):
                problems.append(f"README.md: /{e['name']} should be 'done'")
    for p in problems:
        print(p)
    print(f"{len(entries)} switches, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
