//! Masking of personal data for display: identity numbers and phone numbers of minors and staff.

/// Masks an identity number, keeping the region prefix and the last four characters:
/// `110101200801011234` → `110101********1234`.
pub fn mask_id_number(value: &str) -> String {
    mask_middle(value, 6, 4)
}

/// Masks a mobile number, keeping the first three and last four digits: `13812345678` → `138****5678`.
pub fn mask_phone(value: &str) -> String {
    mask_middle(value, 3, 4)
}

/// Masks a student number where it carries an identity number. A national 学籍号 is `G` followed
/// by the identity number, so a number that contains the student's identity number (or has the
/// shape of one) is masked like the identity number itself; school-issued numbers stay readable.
pub fn mask_student_number(number: &str, id_number: Option<&str>) -> String {
    if let Some(id) = id_number.filter(|id| !id.is_empty())
        && number.contains(id)
    {
        return number.replace(id, &mask_id_number(id));
    }
    match number.char_indices().find(|(_, c)| c.is_ascii_digit()) {
        Some((start, _)) if looks_like_id_number(&number[start..]) => {
            format!("{}{}", &number[..start], mask_id_number(&number[start..]))
        }
        _ => number.to_owned(),
    }
}

/// Seventeen digits and a check character: the shape of a resident identity number.
fn looks_like_id_number(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 18 && bytes[..17].iter().all(u8::is_ascii_digit) && matches!(bytes[17], b'0'..=b'9' | b'X' | b'x')
}

fn mask_middle(value: &str, keep_start: usize, keep_end: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= keep_start + keep_end {
        // Too short to keep anything and still hide something: hide it all.
        return "*".repeat(chars.len());
    }
    let hidden = chars.len() - keep_start - keep_end;
    let mut out: String = chars[..keep_start].iter().collect();
    out.extend(std::iter::repeat_n('*', hidden));
    out.extend(&chars[chars.len() - keep_end..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_the_ends() {
        assert_eq!(mask_id_number("11010120080101123X"), "110101********123X");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("12345"), "*****");
        assert_eq!(mask_id_number(""), "");
    }

    #[test]
    fn student_numbers_that_embed_an_identity_number_are_masked() {
        let id = "11010120080101123X";
        assert_eq!(mask_student_number("G11010120080101123X", Some(id)), "G110101********123X");
        // The same shape without a recorded identity number is masked too.
        assert_eq!(mask_student_number("G11010120080101123X", None), "G110101********123X");
        assert_eq!(mask_student_number("2026070301", Some(id)), "2026070301");
    }
}
