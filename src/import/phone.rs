//! Mobile numbers, normalised to E.164 with the `phonenumber` crate (default region CN).
//! Spreadsheets bring full-width digits, spaces, dashes, brackets, `+86`/`86`/`0086` prefixes,
//! and numbers Excel turned into floats (`1.38001E+10`), whose lost digits cannot be recovered:
//! those are rejected, never guessed.

use phonenumber::{country, Mode, Type};

use super::sheet::is_space;

/// Why a mobile number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneProblem {
    /// Scientific notation: Excel stored it as a number and showed it rounded.
    ExcelFloat,
    /// Not a phone number at all.
    Invalid,
    /// A valid number, but not a mobile (a landline cannot receive SMS).
    NotMobile,
}

/// Full-width ASCII (`０-９`, `＋`, `－`, `（`…) as half-width; spreadsheets typed with a
/// Chinese input method often hold them.
pub fn half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// Whether text looks like a float Excel printed: `1.38001E+10`, `1.38E10`.
pub fn looks_like_excel_float(s: &str) -> bool {
    let s = s.trim();
    let Some((mantissa, exp)) = s.split_once(['e', 'E']) else {
        return false;
    };
    let exp = exp.strip_prefix('+').unwrap_or(exp);
    !mantissa.is_empty()
        && mantissa.chars().all(|c| c.is_ascii_digit() || c == '.')
        && mantissa.chars().filter(|c| *c == '.').count() <= 1
        && !exp.is_empty()
        && exp.chars().all(|c| c.is_ascii_digit())
}

/// The number in E.164 (`+8613812345678`) if it is a valid mobile number.
pub fn normalise_mobile(raw: &str) -> Result<String, PhoneProblem> {
    let s = half_width(raw);
    if looks_like_excel_float(&s) {
        return Err(PhoneProblem::ExcelFloat);
    }
    let compact: String = s
        .chars()
        .filter(|c| !is_space(*c) && !matches!(c, '-' | '(' | ')' | '.' | '/' | '\''))
        .collect();
    let digits = compact.strip_prefix('+').unwrap_or(&compact);
    // Anything else (letters, extensions, two numbers in a cell) is refused before the parser,
    // which then only ever sees short digit strings.
    if digits.len() < 5 || digits.len() > 20 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(PhoneProblem::Invalid);
    }
    // libphonenumber's metadata trails new Chinese ranges (several 14x/16x/19x blocks are
    // "invalid" to it but in use) and reads a leading 179xx as a carrier prefix, so a CN
    // mobile is recognised by its shape first: 11 digits 1[3-9]…, after +86, 0086 or 86.
    let national = if let Some(rest) = compact.strip_prefix("+86") {
        rest
    } else if let Some(rest) = compact.strip_prefix("0086") {
        rest
    } else if compact.len() == 13 {
        compact.strip_prefix("86").unwrap_or(&compact)
    } else {
        &compact
    };
    if is_cn_mobile_shape(national) {
        return Ok(format!("+86{national}"));
    }
    let parsed = phonenumber::parse(Some(country::Id::CN), &compact).map_err(|_| PhoneProblem::Invalid)?;
    if !parsed.is_valid() {
        return Err(PhoneProblem::Invalid);
    }
    match parsed.number_type(&phonenumber::metadata::DATABASE) {
        Type::Mobile | Type::FixedLineOrMobile => Ok(parsed.format().mode(Mode::E164).to_string()),
        _ => Err(PhoneProblem::NotMobile),
    }
}

/// `1[3-9]` and nine more digits: the shape of every mainland mobile number.
fn is_cn_mobile_shape(national: &str) -> bool {
    let b = national.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_mobiles_in_every_usual_spelling() {
        for raw in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "86 13812345678",
            "008613812345678",
            "(+86)138-1234-5678",
            "１３８１２３４５６７８",
            "\u{3000}13812345678 ",
            "'13812345678",
        ] {
            assert_eq!(normalise_mobile(raw), Ok("+8613812345678".into()), "{raw}");
        }
    }

    #[test]
    fn floats_landlines_and_junk_are_refused() {
        assert_eq!(normalise_mobile("1.38001E+10"), Err(PhoneProblem::ExcelFloat));
        assert_eq!(normalise_mobile("1.38E10"), Err(PhoneProblem::ExcelFloat));
        assert_eq!(normalise_mobile("010-12345678"), Err(PhoneProblem::NotMobile));
        assert_eq!(normalise_mobile("1381234567"), Err(PhoneProblem::Invalid));
        assert_eq!(normalise_mobile("12345678901"), Err(PhoneProblem::Invalid));
        assert_eq!(
            normalise_mobile("16362246141"),
            Ok("+8616362246141".into()),
            "a range newer than the metadata"
        );
        assert_eq!(normalise_mobile("+1 415 555 2671"), Ok("+14155552671".into()));
        assert_eq!(normalise_mobile("call me"), Err(PhoneProblem::Invalid));
        assert_eq!(normalise_mobile("13812345678;13912345678"), Err(PhoneProblem::Invalid));
    }
}
