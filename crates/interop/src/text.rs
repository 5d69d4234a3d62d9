//! Text encodings and CSV plumbing shared by the readers and writers.

use std::borrow::Cow;

use crate::InteropError;

/// Decodes a text file as UTF-8 (with or without BOM), or else as GB18030.
///
/// Chinese districts' spreadsheets (Excel, WPS) often save CSV as GBK; GB18030 is its superset, so
/// decoding as GB18030 accepts both. Decoding is strict: a byte sequence that is valid in neither
/// encoding is refused with the file's name rather than turned into replacement characters, so a
/// name is never silently garbled. A NUL character is refused in either encoding: text files have
/// none, while UTF-16 files (Excel's "Unicode text") and binary files are full of them and would
/// otherwise pass as ASCII.
pub fn decode_text<'a>(file: &str, bytes: &'a [u8]) -> Result<Cow<'a, str>, InteropError> {
    let without_bom = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(without_bom) {
        Ok(text) => Some(Cow::Borrowed(text)),
        Err(_) => encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes),
    };
    text.filter(|text| !text.contains('\0')).ok_or_else(|| InteropError::Encoding { file: file.to_owned() })
}

/// An in-memory CSV writer that cannot fail, so writers need no error path.
///
/// Fields are quoted only when they must be (comma, quote, line break, or surrounding space), the
/// way RFC 4180 and the OneRoster CSV binding expect.
#[derive(Debug, Default)]
pub(crate) struct CsvOut {
    bytes: Vec<u8>,
}

impl CsvOut {
    pub(crate) fn new() -> Self {
        CsvOut::default()
    }

    /// Appends one record.
    pub(crate) fn row<S: AsRef<str>>(&mut self, fields: impl IntoIterator<Item = S>) {
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                self.bytes.push(b',');
            }
            let field = field.as_ref();
            let needs_quotes = field.contains([',', '"', '\n', '\r'])
                || field.starts_with(char::is_whitespace)
                || field.ends_with(char::is_whitespace);
            if needs_quotes {
                self.bytes.push(b'"');
                self.bytes.extend_from_slice(field.replace('"', "\"\"").as_bytes());
                self.bytes.push(b'"');
            } else {
                self.bytes.extend_from_slice(field.as_bytes());
            }
        }
        self.bytes.push(b'\n');
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        let mut out = CsvOut::new();
        out.row(["a", "b,c", "say \"hi\"", " x", "中文"]);
        assert_eq!(String::from_utf8(out.into_bytes()).unwrap(), "a,\"b,c\",\"say \"\"hi\"\"\",\" x\",中文\n");
    }

    #[test]
    fn decodes_utf8_bom_and_gbk() {
        assert_eq!(decode_text("a.csv", b"\xEF\xBB\xBFname").unwrap(), "name");
        let (gbk, _, _) = encoding_rs::GBK.encode("张三");
        assert_eq!(decode_text("a.csv", &gbk).unwrap(), "张三");
        let err = decode_text("a.csv", &[0xFF, 0xFF, 0x00, 0x81]).unwrap_err();
        assert_eq!(err.to_string(), "a.csv: is neither UTF-8 nor GBK/GB18030 text; save it as UTF-8 and try again");
    }
}
