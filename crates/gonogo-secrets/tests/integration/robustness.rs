//! The scanner and the gitleaks parser on arbitrary input.

use gonogo_secrets::Scanner;
use proptest::prelude::*;
use std::path::Path;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096), keyword in 0usize..8) {
        let s = Scanner::new(gonogo_secrets::rules::builtin_rules());
        // Seed keywords so regexes really run over the noise.
        let mut input = bytes.clone();
        let kw: &[&[u8]] = &[b"password=", b"-----BEGIN RSA PRIVATE KEY-----", b"ghp_", b"xoxb-", b"eyJ", b"postgres://", b"api_key: ", b"\n"];
        input.splice(input.len() / 2..input.len() / 2, kw[keyword].iter().copied());
        let r = s.scan_bytes("f.txt", &input);
        for f in &r.findings {
            prop_assert!(f.start <= f.end && f.end <= input.len());
            prop_assert!(f.line >= 1 && f.column >= 1);
        }
    }

    #[test]
    fn arbitrary_gitleaks_configs_never_panic(text in "\\PC{0,400}") {
        let _ = gonogo_secrets::gitleaks::parse(&text, Path::new("."), "t");
    }
}
