; Tilldesk installer (NSIS 3). scripts/package-windows.sh builds it with makensis and
; these defines: VERSION (git describe), WINVERSION (a.b.c.d), EXE (the signed
; tilldesk.exe), ICON (.ico), OUTFILE, and SIGN (a command that signs the file named by
; its last argument in place; optional) used to sign the uninstaller.
;
; Per-machine install into Program Files (needs admin). Data and settings live in each
; user's %LocalAppData%\Tilldesk and %AppData%\Tilldesk, never in the install folder,
; so an upgrade (installing over the old version) leaves them alone, and so does the
; uninstaller unless the person uninstalling ticks "Remove my data".
; A 64-bit installer for a 64-bit program: it sees the 64-bit Program Files and
; registry without redirection (and can be run under wine64 to test it).
Target amd64-unicode
SetCompressor /SOLID lzma
!include MUI2.nsh
!include FileFunc.nsh
!include LogicLib.nsh
!include Sections.nsh

!define APP "Tilldesk"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP}"
!define APP_KEY "Software\${APP}"

Name "${APP}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP}"
InstallDirRegKey HKLM "${APP_KEY}" "InstallDir"
RequestExecutionLevel admin
ManifestDPIAware true
BrandingText "${APP} ${VERSION}"

VIProductVersion "${WINVERSION}"
VIFileVersion "${WINVERSION}"
VIAddVersionKey /LANG=0 "ProductName" "${APP}"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "FileVersion" "${WINVERSION}"
VIAddVersionKey /LANG=0 "FileDescription" "${APP} installer"
VIAddVersionKey /LANG=0 "CompanyName" "${APP}"
VIAddVersionKey /LANG=0 "LegalCopyright" "${APP}"

!ifdef SIGN
  ; Sign the uninstaller that makensis writes into the installer (NSIS 3.08+).
  !uninstfinalize '"${SIGN}" "%1"' = 0
!endif

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\tilldesk.exe"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!define MUI_COMPONENTSPAGE_NODESC
!define MUI_COMPONENTSPAGE_TEXT_TOP "$(DataNote)"
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_LANGUAGE "SimpChinese"

LangString SecApp ${LANG_ENGLISH} "Tilldesk"
LangString SecApp ${LANG_SIMPCHINESE} "Tilldesk 收银台"
LangString SecData ${LANG_ENGLISH} "Remove my data (journal, settings)"
LangString SecData ${LANG_SIMPCHINESE} "删除我的数据（交易日志、设置）"
LangString DataNote ${LANG_ENGLISH} "Your sales journal, logs and settings are kept unless you tick Remove my data. Back the journal up before removing it."
LangString DataNote ${LANG_SIMPCHINESE} "除非勾选“删除我的数据”，交易日志、日志文件和设置都会保留。删除之前请先备份交易日志。"
Section "Tilldesk" SecMain
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; Upgrade = the same files written over the old ones; user data is elsewhere.
  File "/oname=tilldesk.exe" "${EXE}"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  SetShellVarContext all ; the shortcut is for every user of the till PC
  CreateShortcut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\tilldesk.exe" "" "$INSTDIR\tilldesk.exe" 0

  WriteRegStr HKLM "${APP_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${APP_KEY}" "Version" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "${APP}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\tilldesk.exe,0"
  WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
  SectionGetSize ${SecMain} $0
  WriteRegDWORD HKLM "${UNINST_KEY}" "EstimatedSize" $0
SectionEnd

Section "un.$(SecApp)" UnSecMain
  SectionIn RO
  SetShellVarContext all
  Delete "$SMPROGRAMS\${APP}.lnk"
  Delete "$INSTDIR\tilldesk.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR" ; only if empty: never delete what someone else put there
  DeleteRegKey HKLM "${UNINST_KEY}"
  DeleteRegKey HKLM "${APP_KEY}"
SectionEnd

; Unticked by default, so a silent uninstall (/S) keeps the data too, unless given
; /REMOVEDATA. It removes the data of the user running the uninstaller; other Windows
; users' folders stay.
Section /o "un.$(SecData)" UnSecData
  SetShellVarContext current
  RMDir /r "$LOCALAPPDATA\${APP}"
  RMDir /r "$APPDATA\${APP}"
SectionEnd

Function un.onInit
  ${un.GetParameters} $0
  ClearErrors
  ${un.GetOptions} $0 "/REMOVEDATA" $1
  ${IfNot} ${Errors}
    SectionSetFlags ${UnSecData} ${SF_SELECTED}
  ${EndIf}
FunctionEnd
