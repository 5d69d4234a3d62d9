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
}
