//! Finding a thing by what people type: its name with or without diacritics, in any case, or
//! its code. "ha tinh", "Hà Tĩnh", "HA-TINH" and "hà tĩnh" all find Hà Tĩnh.

use unicode_normalization::UnicodeNormalization;

/// `text` folded for matching: lower case, Vietnamese diacritics removed (đ → d), every run of
/// white space, hyphens and punctuation one space.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    // Lower case first: some capitals lower-case to a letter and a combining mark (İ).
    for c in text.to_lowercase().nfd() {
        let c = match c {
            'đ' => 'd',
            c if unicode_normalization::char::is_combining_mark(c) => continue,
            c => c,
        };
        if c.is_alphanumeric() {
            out.push(c);
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// How well `query` (already folded) matches a thing with `code` and `names`, best first:
/// 0 the code, 1 a whole name, 2 the start of a name, 3 every word of the query inside a name.
/// `None` when it does not match.
pub fn rank(query: &str, code: &str, names: &[&str]) -> Option<u8> {
    if query.is_empty() {
        return None;
    }
    if fold(code) == query {
        return Some(0);
    }
    let names: Vec<String> = names.iter().map(|n| fold(n)).collect();
    if names.iter().any(|n| n == query) {
        return Some(1);
    }
    if names.iter().any(|n| n.starts_with(query)) {
        return Some(2);
    }
    let words: Vec<&str> = query.split(' ').collect();
    names
        .iter()
        .any(|n| {
            let own: Vec<&str> = n.split(' ').collect();
            words.iter().all(|w| own.iter().any(|o| o.starts_with(w)))
        })
        .then_some(3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_are_found_without_their_diacritics() {
        assert_eq!(fold("Hà Tĩnh"), "ha tinh");
        assert_eq!(fold("  Đắk   Lắk "), "dak lak");
        assert_eq!(fold("TP Hồ Chí Minh"), "tp ho chi minh");
        assert_eq!(fold("Bộ KH&CN"), "bo kh cn");
        assert_eq!(rank("ha tinh", "HA-TINH", &["Hà Tĩnh"]), Some(0));
        assert_eq!(rank("ha tinh", "HT", &["Hà Tĩnh"]), Some(1));
        assert_eq!(rank("ha", "HT", &["Hà Tĩnh"]), Some(2));
        assert_eq!(rank("tinh", "HT", &["Hà Tĩnh"]), Some(3));
        assert_eq!(rank("ho chi", "HCM", &["TP Hồ Chí Minh"]), Some(3));
        assert_eq!(rank("nghe", "HT", &["Hà Tĩnh"]), None);
        assert_eq!(rank("", "HT", &["Hà Tĩnh"]), None);
    }

    proptest! {
        #[test]
        fn folding_twice_changes_nothing(s in "\\PC{0,40}") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once.clone());
            prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
        }

        #[test]
        fn a_name_always_finds_its_thing(name in "[\\p{L} ]{1,30}", code in "[A-Z]{2,8}") {
            let q = fold(&name);
            prop_assume!(!q.is_empty());
            prop_assert!(rank(&q, &code, &[name.as_str()]).is_some());
        }

        #[test]
        fn vietnamese_letters_fold_to_their_base(base in "[aeiouy]", mark in 0usize..5) {
            // The five tone marks as combining characters on a base vowel.
            let marks = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];
            let marked: String = [base.chars().next().unwrap(), marks[mark]].iter().collect();
            prop_assert_eq!(fold(&marked), base);
        }
    }
}
