//! Unpacking a zip archive held in memory into [`InputFile`]s.

use std::io::{Cursor, Read};

use crate::{InputFile, InteropError};

/// The most a whole archive may expand to. A full district's OneRoster export is tens of megabytes;
/// the cap only stops a zip bomb from exhausting memory.
const MAX_UNPACKED_BYTES: u64 = 1 << 30;

/// Reads every file of a zip archive.
///
/// Files may sit at the archive's root or inside one top folder (what "compress this folder"
/// produces); that folder is removed from the names. Folders, macOS resource forks (`__MACOSX/`,
/// `._*`) and `.DS_Store` files are skipped.
pub fn files_from_zip(bytes: &[u8]) -> Result<Vec<InputFile>, InteropError> {
    let bad = |e: zip::result::ZipError| InteropError::BadZip { reason: e.to_string() };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(bad)?;
    let mut files = Vec::new();
    let mut budget = MAX_UNPACKED_BYTES;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(bad)?;
        let name = entry.name().replace('\\', "/");
        let base = name.rsplit('/').next().unwrap_or(&name);
        if entry.is_dir() || name.starts_with("__MACOSX/") || base.starts_with("._") || base == ".DS_Store" {
            continue;
        }
        let mut content = Vec::new();
        (&mut entry)
            .take(budget + 1)
            .read_to_end(&mut content)
            .map_err(|e| InteropError::BadZip { reason: format!("{name}: {e}") })?;
        let read = content.len() as u64;
        if read > budget {
            return Err(InteropError::BadZip {
                reason: format!("it unpacks to more than {} MiB", MAX_UNPACKED_BYTES >> 20),
            });
        }
        budget -= read;
        files.push(InputFile { name, bytes: content });
    }
    strip_common_folder(&mut files);
    Ok(files)
}

/// Removes a top folder shared by every file, so `export/users.csv` becomes `users.csv`.
fn strip_common_folder(files: &mut [InputFile]) {
    let Some(first) = files.first() else { return };
    let Some((folder, _)) = first.name.split_once('/') else { return };
    let prefix = format!("{folder}/");
    if files.iter().all(|f| f.name.starts_with(&prefix)) {
        for f in files.iter_mut() {
            f.name = f.name[prefix.len()..].to_owned();
        }
    }
}
