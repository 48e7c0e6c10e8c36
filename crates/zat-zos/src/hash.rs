//! Stable hashes for generated z/OS names (PDS members, ESM record names, policy statement
//! names).
//!
//! These names end up in data sets and security databases, and re-runs and back-out jobs refer
//! to them: a hash must give the same characters on every platform, build and release. The
//! test vectors below pin them; a change that breaks one renames objects on every site.

/// 64-bit FNV-1a of `bytes`.
pub fn fnv1a_64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// 32-bit FNV-1a of `bytes`.
pub fn fnv1a_32(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in bytes {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// `count` characters `A-Z0-9` of the 64-bit FNV-1a hash of `text`, least significant digit
/// first: the suffix of member and record names.
pub fn base36_suffix(text: &str, count: usize) -> String {
    const ALPHABET: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut hash = fnv1a_64(text.as_bytes());
    (0..count)
        .map(|_| {
            let digit = (hash % 36) as usize;
            hash /= 36;
            char::from(ALPHABET[digit])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vectors of the FNV reference (the empty string and "a"), and of names zat makes.
    #[test]
    fn pinned_vectors() {
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_32(b""), 0x811c_9dc5);
        assert_eq!(fnv1a_32(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(fnv1a_32(b"foobar"), 0xbf9c_f968);
    }

    #[test]
    fn suffixes_never_change() {
        // Record and member names on real sites depend on these exact characters.
        assert_eq!(base36_suffix("", 4), "FE74");
        // The TCP/IP profile member of stack TCPIP on SYSA is TPZZ93FE, its OBEY member TOZZ93FE.
        assert_eq!(base36_suffix("SYSA.TCPIP", 6), "ZZ93FE");
        // The record name of label ZOSCONNCERT is ZOSC5KDS.
        assert_eq!(base36_suffix("ZOSCONNCERT", 4), "5KDS");
        assert_ne!(base36_suffix("PayRing", 4), base36_suffix("PAYRING", 4));
    }
}
