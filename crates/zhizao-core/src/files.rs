//! Files people upload (licences, drawings, photos, pattern pieces): what their content says
//! they are (never the name or the browser's word), a name safe to show, and a durable write
//! that never leaves half a file under the final name. The domains decide which kinds they
//! accept and how large.

use std::path::Path;

use crate::Text;

/// What a file's content says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// PDF.
    Pdf,
    /// PNG image.
    Png,
    /// JPEG image.
    Jpeg,
    /// Office Open XML workbook.
    Xlsx,
    /// Office Open XML document.
    Docx,
    /// OpenDocument spreadsheet.
    Ods,
    /// An OLE compound file: Excel 97–2003 workbook or Word 97–2003 document.
    LegacyOffice,
    /// AutoCAD DXF as text: what garment CAD systems export pattern pieces in (AAMA / ASTM
    /// D6673).
    Dxf,
    /// An MP4 (ISO base media) video.
    Mp4,
    /// A WebM (Matroska) video.
    Webm,
}

impl FileKind {
    /// The MIME type downloads are sent with.
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            FileKind::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            FileKind::LegacyOffice => "application/octet-stream",
            FileKind::Dxf => "image/vnd.dxf",
            FileKind::Mp4 => "video/mp4",
            FileKind::Webm => "video/webm",
        }
    }

    /// Its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF",
            FileKind::Png => "PNG",
            FileKind::Jpeg => "JPEG",
            FileKind::Xlsx => "XLSX",
            FileKind::Docx => "DOCX",
            FileKind::Ods => "ODS",
            FileKind::LegacyOffice => "XLS/DOC",
            FileKind::Dxf => "DXF",
            FileKind::Mp4 => "MP4",
            FileKind::Webm => "WebM",
        }
    }

    /// File name extensions that may carry this kind.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Png => &["png"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Xlsx => &["xlsx"],
            FileKind::Docx => &["docx"],
            FileKind::Ods => &["ods"],
            FileKind::LegacyOffice => &["xls", "doc"],
            FileKind::Dxf => &["dxf"],
            FileKind::Mp4 => &["mp4", "m4v"],
            FileKind::Webm => &["webm"],
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// What `bytes` are, judged by their first bytes (and for ZIP-based formats, the names of the
/// parts inside), or `None` for anything else (executables, scripts, HTML, archives …).
pub fn sniff(bytes: &[u8]) -> Option<FileKind> {
    if bytes.starts_with(b"%PDF-") {
        return Some(FileKind::Pdf);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(FileKind::Png);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(FileKind::Jpeg);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Some(FileKind::LegacyOffice);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        // The part names are stored uncompressed in the local headers near the start.
        let head = &bytes[..bytes.len().min(256 * 1024)];
        if contains(
            head,
            b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
        ) {
            return Some(FileKind::Ods);
        }
        if contains(head, b"[Content_Types].xml") {
            if contains(head, b"xl/") {
                return Some(FileKind::Xlsx);
            }
            if contains(head, b"word/") {
                return Some(FileKind::Docx);
            }
        }
    }
    if is_dxf(bytes) {
        return Some(FileKind::Dxf);
    }
    // An ISO base media file opens with its `ftyp` box; a video brand (not a still image's).
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand: [u8; 4] = [bytes[8], bytes[9], bytes[10], bytes[11]];
        if [
            b"isom", b"iso2", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash",
        ]
        .contains(&&brand)
        {
            return Some(FileKind::Mp4);
        }
    }
    // EBML header with the `webm` doc type.
    if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3])
        && contains(&bytes[..bytes.len().min(64)], b"webm")
    {
        return Some(FileKind::Webm);
    }
    None
}

/// A DXF file opens with group code 0 and `SECTION` on the next line (spaces, a byte-order mark
/// and comments, group code 999, allowed before it).
fn is_dxf(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let mut lines = head.split(|b| *b == b'\n').map(|line| line.trim_ascii());
    loop {
        match (lines.next(), lines.next()) {
            (Some(b"999"), Some(_)) => continue,
            (Some(b"0"), Some(b"SECTION")) => return true,
            _ => return false,
        }
    }
}

/// The uploaded name without any path, control or reserved characters, at most 120
/// characters (shown, never used as a path).
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':'))
        .take(120)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "attachment".to_owned()
    } else {
        cleaned
    }
}

/// The name's extension, lower case.
pub fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

/// Checks an upload's content against its name, the kinds accepted and the largest size;
/// returns the kind.
pub fn check_upload(
    file_name: &str,
    bytes: &[u8],
    accepted: &[FileKind],
    max_bytes: usize,
) -> Result<FileKind, Text> {
    if bytes.is_empty() {
        return Err(Text::new("文件为空", "the file is empty"));
    }
    if bytes.len() > max_bytes {
        return Err(Text::owned(
            format!("文件超过 {} MB", max_bytes / 1024 / 1024),
            format!(
                "the file has {} bytes; at most {max_bytes} are accepted",
                bytes.len()
            ),
        ));
    }
    let Some(kind) = sniff(bytes).filter(|kind| accepted.contains(kind)) else {
        let names: Vec<&str> = accepted.iter().map(|kind| kind.name()).collect();
        return Err(Text::owned(
            format!("只接受 {} 文件（按文件内容判断）", names.join("、")),
            format!(
                "only {} files are accepted (judged by the content)",
                names.join(", ")
            ),
        ));
    };
    let declared = extension(file_name);
    if !kind.extensions().contains(&declared.as_str()) {
        return Err(Text::owned(
            format!("文件内容是 {}，但文件名后缀是“.{declared}”", kind.name()),
            format!(
                "the content is {} but the name ends in \".{declared}\"",
                kind.name()
            ),
        ));
    }
    Ok(kind)
}

/// The SHA-256 of `bytes`, lower-case hex, as a stored file's record keeps it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes `bytes` durably to `path` (through a temporary file in the same directory). A write
/// that fails (a full disk) leaves nothing behind: the half-written temporary file is removed,
/// so it neither holds the space the disk lacks nor looks like a file.
pub fn write_durably(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let directory = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(directory)?;
    let temporary = path.with_extension("partial");
    let written = std::fs::File::create(&temporary).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(error);
    }
    std::fs::rename(&temporary, path)?;
    std::fs::File::open(directory)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dxf_is_known_by_its_first_section() {
        for (bytes, dxf) in [
            (&b"  0\r\nSECTION\r\n  2\r\nHEADER\r\n"[..], true),
            (&b"999\ncreated by Gerber\n0\nSECTION\n"[..], true),
            (&b"\xEF\xBB\xBF0\nSECTION\n"[..], true),
            (&b"0\nSECTIONS\n"[..], false),
            (&b"SECTION\n0\n"[..], false),
            (&b""[..], false),
        ] {
            assert_eq!(sniff(bytes) == Some(FileKind::Dxf), dxf, "{bytes:?}");
        }
        let accepted = [FileKind::Pdf, FileKind::Dxf];
        assert_eq!(
            check_upload("pieces.DXF", b"0\nSECTION\n", &accepted, 100),
            Ok(FileKind::Dxf)
        );
        assert!(check_upload("pieces.pdf", b"0\nSECTION\n", &accepted, 100).is_err());
        assert!(check_upload("a.png", b"\x89PNG\r\n\x1a\n", &accepted, 100).is_err());
        assert!(check_upload("big.dxf", b"0\nSECTION\n", &accepted, 4).is_err());
    }

    #[test]
    fn videos_are_known_by_their_container() {
        for (bytes, kind) in [
            (&b"\0\0\0\x20ftypisom\0\0\x02\0"[..], Some(FileKind::Mp4)),
            (&b"\0\0\0\x18ftypmp42\0\0\0\0"[..], Some(FileKind::Mp4)),
            // A HEIF still image is an ISO base media file too, but not a video.
            (&b"\0\0\0\x18ftypheic\0\0\0\0"[..], None),
            (
                &b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm"[..],
                Some(FileKind::Webm),
            ),
            // Matroska that is not WebM.
            (
                &b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska"[..],
                None,
            ),
            (&b"ftyp"[..], None),
        ] {
            assert_eq!(sniff(bytes), kind, "{bytes:?}");
        }
    }
}
