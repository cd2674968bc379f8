//! Text encodings of CSV files: a BOM wins, then strict UTF-8, then chardetng's guess (Chinese
//! Excel saves "CSV" in GBK); or the caller's override. GBK is decoded as GB18030, its superset,
//! so that characters outside GBK proper (rare names) still come through.

use std::borrow::Cow;

use encoding_rs::{Encoding, GB18030, GBK, UTF_8};

use super::ImportError;

/// Decoded text and the name of the encoding it was read in.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// Borrowed from the bytes when they are UTF-8 already.
    pub text: Cow<'a, str>,
    pub encoding: &'static str,
    /// Some bytes were not valid in that encoding and became U+FFFD; the validator names the
    /// cells that hold one, so nothing is damaged silently.
    pub had_errors: bool,
}

/// The encoding a label names (`gbk` → GB18030), or `UnknownEncoding`.
pub fn by_label(label: &str) -> Result<&'static Encoding, ImportError> {
    let enc = Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| ImportError::UnknownEncoding {
        label: label.to_owned(),
    })?;
    Ok(if enc == GBK { GB18030 } else { enc })
}

/// Decodes `bytes`, with `label` forcing an encoding.
pub fn decode<'a>(bytes: &'a [u8], label: Option<&str>) -> Result<Decoded<'a>, ImportError> {
    let (encoding, body) = match label {
        Some(label) => {
            let enc = by_label(label)?;
            // A UTF-8 BOM is never text; drop it whatever the override says.
            (enc, bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        }
        None => detect(bytes),
    };
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    Ok(Decoded {
        text,
        encoding: encoding.name(),
        had_errors,
    })
}

/// The encoding of `bytes` and the bytes after any BOM.
fn detect(bytes: &[u8]) -> (&'static Encoding, &[u8]) {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return (enc, &bytes[bom_len..]);
    }
    if std::str::from_utf8(bytes).is_ok() {
        return (UTF_8, bytes);
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    // Offices using Herald are in mainland China: the `cn` hint breaks ties toward GBK.
    let guess = detector.guess(Some(b"cn"), false);
    (if guess == GBK { GB18030 } else { guess }, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_utf8_and_gbk_are_told_apart() {
        let text = "学号,姓名\n2024001,王小明\n";
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        let d = decode(&with_bom, None).unwrap();
        assert_eq!((&*d.text, d.encoding), (text, "UTF-8"));
        assert_eq!(decode(text.as_bytes(), None).unwrap().encoding, "UTF-8");
        let (gbk, _, _) = GBK.encode(text);
        let d = decode(&gbk, None).unwrap();
        assert_eq!((&*d.text, d.encoding, d.had_errors), (text, "gb18030", false));
    }

    #[test]
    fn the_override_wins_and_unknown_labels_are_named() {
        let (gbk, _, _) = GBK.encode("姓名");
        assert_eq!(decode(&gbk, Some("GBK")).unwrap().text, "姓名");
        let d = decode(&gbk, Some("utf-8")).unwrap();
        assert!(d.had_errors);
        assert!(matches!(
            decode(b"x", Some("klingon")),
            Err(ImportError::UnknownEncoding { .. })
        ));
    }
}
