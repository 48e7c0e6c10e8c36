//! "Did you mean …?": the one edit-distance rule every diagnostic of zat uses for a misspelt
//! word (a builder, an option key, a Policy Agent keyword).

/// The candidate closest to `word` by edit distance (case ignored), if it is close enough to
/// be a typo: at most a third of the longer word's characters, and never more than two when
/// the words are short. Ties go to the first candidate.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let distance = strsim::levenshtein(&word, &candidate.to_lowercase());
        let longer = word.chars().count().max(candidate.chars().count());
        if distance <= (longer / 3).max(2) && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn typos_are_found_and_strangers_are_not() {
        let words = ["connect", "connect_default", "keyring", "certificate"];
        assert_eq!(closest("conect", words), Some("connect"));
        assert_eq!(closest("KEYRNG", words), Some("keyring"));
        assert_eq!(closest("certifcate", words), Some("certificate"));
        assert_eq!(closest("zzz", words), None);
        assert_eq!(closest("", ["ab", "abcdef"]), Some("ab"));
    }
}
