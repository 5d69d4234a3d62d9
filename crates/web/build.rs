//! Embeds the front-end libraries pinned by `frontend/package-lock.json` (KaTeX, ECharts) into
//! the binary: no third-party code is copied into the repository and no CDN is needed at run time.
//!
//! On a fresh clone `frontend/node_modules` is missing, so this script runs `npm ci` once. When
//! npm is missing or fails, the build still succeeds with a warning and embeds nothing: pages then
//! show math as plain TeX and charts as the tables behind them.
//!
//! The picked files are copied into `$OUT_DIR/vendor/` and `$OUT_DIR/vendor.rs` lists them with
//! `include_bytes!`, so deleting `node_modules` later never breaks a build, and cargo reruns this
//! script only when `frontend/package.json` or `frontend/package-lock.json` change (watching the
//! `node_modules` tree would make every build stat thousands of files).

use std::{
    env, fmt, fs,
    path::{Path, PathBuf},
    process::Command,
};

/// The files taken from each package, relative to the package's root. A path ending in `/*.EXT`
/// takes every file with that extension in the folder (KaTeX's fonts: woff2 only, which every
/// browser KaTeX supports reads; the CSS lists woff and ttf only as fallbacks).
const PICKS: &[(&str, &str)] = &[
    ("katex", "dist/katex.min.js"),
    ("katex", "dist/katex.min.css"),
    ("katex", "dist/contrib/auto-render.min.js"),
    ("katex", "dist/fonts/*.woff2"),
    ("echarts", "dist/echarts.min.js"),
];

/// The packages `PICKS` draws from, each installed once.
const PACKAGES: &[&str] = &["katex", "echarts"];

fn main() -> Result<(), Failure> {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").ok_or(Failure::Env("CARGO_MANIFEST_DIR"))?);
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").ok_or(Failure::Env("OUT_DIR"))?);
    let frontend = manifest_dir.join("frontend");
    println!("cargo:rerun-if-changed=frontend/package.json");
    println!("cargo:rerun-if-changed=frontend/package-lock.json");

    let vendor_dir = out_dir.join("vendor");
    if vendor_dir.exists() {
        fs::remove_dir_all(&vendor_dir).map_err(|e| Failure::Io(vendor_dir.clone(), e))?;
    }
    let files = match embed(&frontend, &vendor_dir) {
        Ok(files) => files,
        Err(reason) => {
            warn(&format!(
                "front-end libraries not embedded: {reason}\n\
                 Pages still work, but show math as plain TeX and charts as tables. To embed them, \
                 install Node.js with npm, then `touch crates/web/frontend/package-lock.json` and build again."
            ));
            Vec::new()
        }
    };
    let table = out_dir.join("vendor.rs");
    fs::write(&table, render_table(&files)?).map_err(|e| Failure::Io(table, e))
}

/// One embedded file: where it is served and where its copy lies in `$OUT_DIR`.
struct Embedded {
    package: &'static str,
    version: String,
    path: String,
    content_type: &'static str,
    copy: PathBuf,
}

/// Makes sure the pinned packages are installed, then copies the picked files into `vendor_dir`.
/// Any `Err` is a reason to embed nothing, told to the developer as a warning.
fn embed(frontend: &Path, vendor_dir: &Path) -> Result<Vec<Embedded>, String> {
    let lock_path = frontend.join("package-lock.json");
    let lock = fs::read_to_string(&lock_path).map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
    let lock: serde_json::Value =
        serde_json::from_str(&lock).map_err(|e| format!("{} is not valid JSON: {e}", lock_path.display()))?;
    let mut pinned = Vec::new();
    for package in PACKAGES {
        let version = lock["packages"][format!("node_modules/{package}")]["version"]
            .as_str()
            .ok_or_else(|| format!("{} pins no version of `{package}`", lock_path.display()))?;
        pinned.push((*package, version.to_owned()));
    }

    let node_modules = frontend.join("node_modules");
    if !installed(&node_modules, &pinned) {
        install(frontend, &pinned)?;
    }

    let mut files = Vec::new();
    for (package, version) in &pinned {
        let root = node_modules.join(package);
        for (_, pick) in PICKS.iter().filter(|(p, _)| p == package) {
            for path in expand(&root, pick)? {
                let content_type = content_type(&path).ok_or_else(|| format!("no content type for {path}"))?;
                let copy = vendor_dir.join(format!("{package}@{version}")).join(&path);
                if let Some(parent) = copy.parent() {
                    fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
                }
                fs::copy(root.join(&path), &copy).map_err(|e| format!("cannot copy {package}/{path}: {e}"))?;
                files.push(Embedded { package, version: version.clone(), path, content_type, copy });
            }
        }
    }
    Ok(files)
}

/// Whether `node_modules` holds every pinned version with every picked file.
fn installed(node_modules: &Path, pinned: &[(&str, String)]) -> bool {
    pinned.iter().all(|(package, version)| {
        let root = node_modules.join(package);
        installed_version(&root).as_deref() == Some(version.as_str())
            && PICKS.iter().filter(|(p, _)| p == package).all(|(_, pick)| expand(&root, pick).is_ok())
    })
}

/// The `version` field of the package's own `package.json`.
fn installed_version(root: &Path) -> Option<String> {
    let text = fs::read_to_string(root.join("package.json")).ok()?;
    let manifest: serde_json::Value = serde_json::from_str(&text).ok()?;
    manifest["version"].as_str().map(str::to_owned)
}

/// Runs `npm ci` in a staging folder beside `node_modules` and renames the result into place, so
/// two builds running at once (say `cargo check` from an editor and `cargo test`) never see a
/// half-written `node_modules`: each installs into its own folder and the first rename wins.
fn install(frontend: &Path, pinned: &[(&str, String)]) -> Result<(), String> {
    let staging = frontend.join(format!(".npm-staging-{}", std::process::id()));
    let result = install_into(frontend, &staging, pinned);
    // Best effort: a leftover folder is ignored by git and removed by the next attempt.
    let _ = fs::remove_dir_all(&staging);
    result
}

fn install_into(frontend: &Path, staging: &Path, pinned: &[(&str, String)]) -> Result<(), String> {
    let io = |what: &str, path: &Path, e: std::io::Error| format!("cannot {what} {}: {e}", path.display());
    if staging.exists() {
        fs::remove_dir_all(staging).map_err(|e| io("remove", staging, e))?;
    }
    fs::create_dir_all(staging).map_err(|e| io("create", staging, e))?;
    for file in ["package.json", "package-lock.json"] {
        fs::copy(frontend.join(file), staging.join(file)).map_err(|e| io("copy", &frontend.join(file), e))?;
    }

    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let output = Command::new(npm)
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"])
        .current_dir(staging)
        .output()
        .map_err(|e| format!("cannot run `{npm} ci` ({e}); is Node.js with npm installed?"))?;
    if !output.status.success() {
        // npm's first error lines say what went wrong, its last one where the full log is;
        // warnings (say, about the user's npmrc) and the stack trace between are noise here.
        let stderr = String::from_utf8_lossy(&output.stderr);
        let errors: Vec<&str> = stderr.lines().filter(|l| !l.starts_with("npm warn") && !l.trim().is_empty()).collect();
        let mut shown: Vec<&str> = errors.iter().take(4).copied().collect();
        if errors.len() > 4 {
            shown.extend(errors.last().copied());
        }
        return Err(format!("`{npm} ci` failed ({}):\n{}", output.status, shown.join("\n")));
    }

    let fresh = staging.join("node_modules");
    let target = frontend.join("node_modules");
    if fs::rename(&fresh, &target).is_ok() {
        return Ok(());
    }
    // The target exists: either another build just put a good tree there, or it is a stale one
    // (older versions, or a manual install interrupted) that must make way for ours.
    if installed(&target, pinned) {
        return Ok(());
    }
    let old = frontend.join(format!(".npm-stale-{}", std::process::id()));
    fs::rename(&target, &old).map_err(|e| io("move aside", &target, e))?;
    let _ = fs::remove_dir_all(&old);
    match fs::rename(&fresh, &target) {
        Ok(()) => Ok(()),
        Err(_) if installed(&target, pinned) => Ok(()),
        Err(e) => Err(io("move into place", &target, e)),
    }
}

/// The files `pick` names under `root` (paths relative to `root`, `/`-separated, sorted), or why
/// there are none.
fn expand(root: &Path, pick: &str) -> Result<Vec<String>, String> {
    let Some((folder, ext)) = pick.split_once("/*.") else {
        return if root.join(pick).is_file() { Ok(vec![pick.to_owned()]) } else { Err(format!("missing {pick}")) };
    };
    let entries = fs::read_dir(root.join(folder)).map_err(|e| format!("cannot list {folder}: {e}"))?;
    let mut paths: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| Path::new(name).extension().is_some_and(|e| e == ext))
        .map(|name| format!("{folder}/{name}"))
        .collect();
    paths.sort();
    if paths.is_empty() { Err(format!("no {pick}")) } else { Ok(paths) }
}

/// The `Content-Type` served for a file, by extension.
fn content_type(path: &str) -> Option<&'static str> {
    match Path::new(path).extension()?.to_str()? {
        "js" => Some("text/javascript; charset=utf-8"),
        "css" => Some("text/css; charset=utf-8"),
        "woff2" => Some("font/woff2"),
        _ => None,
    }
}

/// The Rust expression `assets.rs` includes: a slice of `VendorFile`s.
fn render_table(files: &[Embedded]) -> Result<String, Failure> {
    let mut out = String::from("// Generated by crates/web/build.rs from frontend/package-lock.json.\n&[\n");
    for file in files {
        let copy = file.copy.to_str().ok_or_else(|| Failure::NotUtf8(file.copy.clone()))?;
        out.push_str(&format!(
            "    VendorFile {{ package: {:?}, version: {:?}, path: {:?}, content_type: {:?}, body: include_bytes!({:?}) }},\n",
            file.package, file.version, file.path, file.content_type, copy
        ));
    }
    out.push_str("]\n");
    Ok(out)
}

/// Prints a multi-line message as cargo warnings (one `cargo:warning=` per line).
fn warn(message: &str) {
    for line in message.lines() {
        println!("cargo:warning={line}");
    }
}

/// Failures that stop the build: the environment cargo promises is broken, not npm.
enum Failure {
    Env(&'static str),
    Io(PathBuf, std::io::Error),
    NotUtf8(PathBuf),
}

// `main` returning `Err` prints it with `Debug`; make that readable.
impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Env(name) => write!(f, "cargo did not set {name}"),
            Failure::Io(path, e) => write!(f, "cannot write or clear {}: {e}", path.display()),
            Failure::NotUtf8(path) => {
                write!(f, "{} is not valid UTF-8, so include_bytes! cannot name it", path.display())
            }
        }
    }
}
