; Inno Setup 6 script: the Windows installer of Open-AutoGLM, made from the PyInstaller
; folder that build.ps1 writes. UNTESTED: no Windows machine builds it here.
;
; Silent install (per machine, for software distribution tools):
;   Open-AutoGLM-Setup-0.1.0.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /SP- /LOG="C:\Temp\autoglm-setup.log"
;   optional: /DIR="D:\Apps\Open-AutoGLM"  /NOICONS  /TASKS="desktopicon"
;   an organisation's signed policy at install time:  /POLICY="\\server\share\policy.json"
; Silent uninstall (users' conversations, keys and settings stay):
;   "C:\Program Files\Open-AutoGLM\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
; Exit code 0 means installed; see Inno Setup's "Setup Exit Codes" for the others.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define Bundle "..\..\build\package\bundle\open-autoglm"

[Setup]
AppId={{6F0B6C52-3B8E-4C1A-9E0C-7A2B51D1A9E3}
AppName=Open-AutoGLM
AppVersion={#AppVersion}
AppPublisher=Open-AutoGLM
DefaultDirName={autopf}\Open-AutoGLM
DefaultGroupName=Open-AutoGLM
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\build\package
OutputBaseFilename=Open-AutoGLM-Setup-{#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\Open-AutoGLM.exe
; Sign with your organisation's certificate (Inno Setup's SignTool directive), e.g.
;   ISCC /Ssigntool="signtool sign /fd sha256 /tr http://timestamp.example /td sha256 $f" ...
; and uncomment:
; SignTool=signtool

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
; The organisation build: a signed policy baked in at compile time (build.ps1 -Policy) ...
#ifdef PolicyFile
Source: "{#PolicyFile}"; DestDir: "{commonappdata}\open-autoglm"; DestName: "policy.json"; Flags: ignoreversion uninsneveruninstall
#endif
; ... or given at install time (/POLICY=...), read from where the installer runs.
Source: "{param:POLICY|}"; DestDir: "{commonappdata}\open-autoglm"; DestName: "policy.json"; Flags: external skipifsourcedoesntexist ignoreversion uninsneveruninstall

[Icons]
Name: "{group}\Open-AutoGLM"; Filename: "{app}\Open-AutoGLM.exe"; Parameters: "gui"
Name: "{autodesktop}\Open-AutoGLM"; Filename: "{app}\Open-AutoGLM.exe"; Parameters: "gui"; Tasks: desktopicon

[Registry]
; `autoglm` in every new command prompt.
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Check: NeedsAddPath(ExpandConstant('{app}'))

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Path: string;
begin
  if not RegQueryStringValue(HKEY_LOCAL_MACHINE,
    'SYSTEM\CurrentControlSet\Control\Session Manager\Environment', 'Path', Path) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';') = 0;
end;
