; bgcopy.nsi - the Windows installer, bgcopy-setup.exe (NSIS 3, 64-bit stub: runs on x64
; Windows and on wine64 without 32-bit Wine). Built by the `installer` target of
; CMakeLists.txt:  makensis -DBIN_DIR=<build>/bin -DOUT_FILE=<file> -DVERSION=x.y.z bgcopy.nsi
;
; What it does:
;   - installs bgcopysvc.exe, bgcopyps.dll, bgcopy.tlb, bgcopyadmin.exe, bgcopynotify.exe, the
;     README and the script examples (examples\*.js, *.vbs), per user ($LOCALAPPDATA\Programs\bgcopy) or per machine ($PROGRAMFILES64\bgcopy);
;   - registers the server, the proxy/stub and the type library (`bgcopysvc /RegServer`, with
;     /machine for a machine-wide install) and, optionally, the Windows service (machine-wide
;     only: `/RegServer /service`) or the per-user logon start (`/RegServer /autostart`);
;   - writes an Uninstall entry; the uninstaller unregisters everything it registered, removes
;     the files, bgcopy's configuration key and its default data directory (log, job store).
;
; Silent use (the test under Wine does this):
;   bgcopy-setup.exe /S [/AllUsers | /CurrentUser] [/SERVICE] [/AUTOSTART] [/D=C:\dir]
;   <install dir>\uninstall.exe /S [/AllUsers | /CurrentUser]
; /D must come last (NSIS rule). Exit code 0 on success, 2 when a registration step failed.

Unicode true
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel user ; MultiUser raises it for /AllUsers

!ifndef VERSION
  !define VERSION "0.1.0"
!endif
!ifndef BIN_DIR
  !error "define BIN_DIR (the build's bin directory)"
!endif
!ifndef SRC_DIR
  !error "define SRC_DIR (the checkout, for README.md)"
!endif
!ifndef OUT_FILE
  !define OUT_FILE "bgcopy-setup.exe"
!endif

!define APP "bgcopy"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\bgcopy"

Name "${APP} ${VERSION}"
OutFile "${OUT_FILE}"

!define MULTIUSER_EXECUTIONLEVEL Highest
!define MULTIUSER_MUI
!define MULTIUSER_INSTALLMODE_COMMANDLINE
!define MULTIUSER_USE_PROGRAMFILES64
!define MULTIUSER_INSTALLMODE_INSTDIR "${APP}"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_KEY "${UNINST_KEY}"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_VALUENAME "InstallLocation"
!include MultiUser.nsh
!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh
!include Sections.nsh

!insertmacro MUI_PAGE_WELCOME
!insertmacro MULTIUSER_PAGE_INSTALLMODE
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

Var Failed ; 1 when a registration step failed

; Runs `bgcopysvc.exe ARGS` from the install directory and records a failure.
!macro RunServer ARGS
  DetailPrint "bgcopysvc ${ARGS}"
  ClearErrors
  ExecWait '"$INSTDIR\bgcopysvc.exe" ${ARGS}' $0
  ${If} ${Errors}
  ${OrIf} $0 != 0
    DetailPrint "bgcopysvc ${ARGS} failed (exit code $0)"
    StrCpy $Failed 1
  ${EndIf}
!macroend

Section "bgcopy server and tools (required)" SecCore
  SectionIn RO
  SetRegView 64
  SetOutPath "$INSTDIR"
  File "${BIN_DIR}/bgcopysvc.exe"
  File "${BIN_DIR}/bgcopyps.dll"
  File "${BIN_DIR}/bgcopy.tlb"
  File "${BIN_DIR}/bgcopyadmin.exe"
  File "${BIN_DIR}/bgcopynotify.exe"
  File /oname=README.md "${SRC_DIR}/README.md"
  SetOutPath "$INSTDIR\examples" ; automation examples (cscript download.js URL PATH)
  File "${SRC_DIR}/client/examples/*.js"
  File "${SRC_DIR}/client/examples/*.vbs"
  SetOutPath "$INSTDIR"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  ${If} $MultiUser.InstallMode == "AllUsers"
    !insertmacro RunServer "/RegServer /machine"
    ExecWait '"$INSTDIR\bgcopynotify.exe" /RegServer /machine' $0
  ${Else}
    !insertmacro RunServer "/RegServer"
    ExecWait '"$INSTDIR\bgcopynotify.exe" /RegServer' $0
  ${EndIf}
  ${If} $0 != 0
    DetailPrint "bgcopynotify /RegServer failed (exit code $0)"
    StrCpy $Failed 1
  ${EndIf}
  WriteRegStr SHCTX "${UNINST_KEY}" "DisplayName" "${APP} (background transfers, BITS-compatible)"
  WriteRegStr SHCTX "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr SHCTX "${UNINST_KEY}" "Publisher" "The bgcopy developers"
  WriteRegStr SHCTX "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr SHCTX "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe" /$MultiUser.InstallMode'
  WriteRegStr SHCTX "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S /$MultiUser.InstallMode'
  WriteRegDWORD SHCTX "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD SHCTX "${UNINST_KEY}" "NoRepair" 1
SectionEnd

Section /o "Windows service (machine-wide installs)" SecService
  ${If} $MultiUser.InstallMode == "AllUsers"
    !insertmacro RunServer "/RegServer /service"
  ${Else}
    DetailPrint "the service needs a machine-wide install; skipped"
  ${EndIf}
SectionEnd

Section /o "Continue jobs at logon (per user)" SecAutostart
  !insertmacro RunServer "/RegServer /autostart"
SectionEnd

Section "-finish"
  ${If} $Failed == 1
    SetErrorLevel 2
  ${EndIf}
SectionEnd

LangString DESC_Core ${LANG_ENGLISH} "The COM server, proxy/stub, type library, bgcopyadmin and bgcopynotify."
LangString DESC_Service ${LANG_ENGLISH} "Run bgcopy as the Windows service 'bgcopy' so jobs continue after a reboot with nobody logged on."
LangString DESC_Autostart ${LANG_ENGLISH} "Start bgcopy at logon so pending jobs continue without waiting for a client."
!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecCore} $(DESC_Core)
  !insertmacro MUI_DESCRIPTION_TEXT ${SecService} $(DESC_Service)
  !insertmacro MUI_DESCRIPTION_TEXT ${SecAutostart} $(DESC_Autostart)
!insertmacro MUI_FUNCTION_DESCRIPTION_END

Function .onInit
  SetRegView 64
  StrCpy $R9 $INSTDIR ; /D=... (NSIS sets it before .onInit); MultiUser would override it
  !insertmacro MULTIUSER_INIT
  ${If} $R9 != ""
    StrCpy $INSTDIR $R9
  ${EndIf}
  StrCpy $Failed 0
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/SERVICE" $R1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${SecService}
  ${EndIf}
  ClearErrors
  ${GetOptions} $R0 "/AUTOSTART" $R1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${SecAutostart}
  ${EndIf}
FunctionEnd

; ---- Uninstaller ------------------------------------------------------------------------

; Deletes a file that a just-stopped server may still hold (it exits after IdleTimeoutMs).
!macro DeleteRetry FILE
  StrCpy $1 0
  ${Do}
    ClearErrors
    Delete "${FILE}"
    ${IfNot} ${FileExists} "${FILE}"
      ${Break}
    ${EndIf}
    IntOp $1 $1 + 1
    ${If} $1 > 60
      DetailPrint "cannot delete ${FILE}; it is removed at the next reboot"
      Delete /REBOOTOK "${FILE}"
      ${Break}
    ${EndIf}
    Sleep 500
  ${Loop}
!macroend

Section "Uninstall"
  SetRegView 64
  ; Unregister what the installer may have registered (each is a no-op when absent).
  ExecWait '"$INSTDIR\bgcopysvc.exe" /UnregServer /service' $0
  ExecWait '"$INSTDIR\bgcopysvc.exe" /UnregServer /autostart' $0
  ${If} $MultiUser.InstallMode == "AllUsers"
    ExecWait '"$INSTDIR\bgcopynotify.exe" /UnregServer /machine' $0
    ExecWait '"$INSTDIR\bgcopysvc.exe" /UnregServer /machine' $0
  ${Else}
    ExecWait '"$INSTDIR\bgcopynotify.exe" /UnregServer' $0
    ExecWait '"$INSTDIR\bgcopysvc.exe" /UnregServer' $0
  ${EndIf}
  !insertmacro DeleteRetry "$INSTDIR\bgcopysvc.exe"
  !insertmacro DeleteRetry "$INSTDIR\bgcopyps.dll"
  !insertmacro DeleteRetry "$INSTDIR\bgcopynotify.exe"
  Delete "$INSTDIR\bgcopy.tlb"
  Delete "$INSTDIR\bgcopyadmin.exe"
  Delete "$INSTDIR\README.md"
  RMDir /r "$INSTDIR\examples"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  ; bgcopy's configuration and its default data directories (log, job store). A DataDir an
  ; administrator configured elsewhere is left alone: it may hold anything.
  DeleteRegKey SHCTX "${UNINST_KEY}" ; before SetShellVarContext below changes SHCTX
  DeleteRegKey HKCU "Software\bgcopy"
  ${If} $MultiUser.InstallMode == "AllUsers"
    DeleteRegKey HKLM "Software\bgcopy"
    SetShellVarContext all
    RMDir /r "$APPDATA\bgcopy" ; %ProgramData%\bgcopy (the service's data)
  ${EndIf}
  SetShellVarContext current
  RMDir /r "$LOCALAPPDATA\bgcopy"
SectionEnd

Function un.onInit
  SetRegView 64
  !insertmacro MULTIUSER_UNINIT
FunctionEnd
