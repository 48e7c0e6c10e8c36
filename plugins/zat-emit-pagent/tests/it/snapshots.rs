//! Every output file of the fixture fleets, as insta snapshots (reviewed like code).

use crate::{fixtures, render};

#[test]
fn every_file_of_every_fixture() {
    for (name, fleet) in fixtures() {
        let response = render(&fleet);
        assert!(!response.files.is_empty(), "{name}");
        for file in &response.files {
            let snapshot = format!("{name}__{}", file.path.replace('/', "__"));
            let target = file.target.as_deref().unwrap_or("(none)");
            insta::assert_snapshot!(snapshot, file.content, &format!("z/OS target: {target}"));
        }
        let paths: Vec<&str> = response.files.iter().map(|f| f.path.as_str()).collect();
        insta::assert_debug_snapshot!(format!("{name}__paths"), paths);
        insta::assert_debug_snapshot!(format!("{name}__diagnostics"), response.diagnostics);
    }
}
