//! Storage quotas: a tool's read-write directories hold at most what its manifest
//! grants, and a write past it fails with a clear error instead of filling the disk.

use cemcp_tests::{ManifestEdit as _, TestBed, artifacts};
use serde_json::{Value, json};

fn with_quota(quota: &str) -> String {
    let base = TestBed::base_manifest();
    let kv = r#"dir = [{ host = "store", guest = "/store", access = "read-write" }]"#;
    assert!(base.contains(kv));
    base.edit(kv, &format!("{kv}\nstorage-quota = \"{quota}\""))
}

fn put(key: &str, bytes: usize) -> Value {
    json!({ "do": "kv-put", "key": key, "value": "x".repeat(bytes) })
}

#[test]
fn writes_past_the_storage_quota_fail_and_deleting_frees_room() {
    let bed = TestBed::new();
    let runtime = bed.runtime(&with_quota("64 KiB")).unwrap();
    let steps: Vec<Value> = (0..6).map(|i| put(&format!("k{i}"), 20 << 10)).collect();
    let input = json!({ "do": "steps", "steps": steps }).to_string();
    let outcomes = bed.run(&runtime, artifacts::PROBE_COMPONENT, None, &input).unwrap().unwrap();
    let outcomes = outcomes.as_array().unwrap();
    assert_eq!(outcomes[..3], [json!({ "ok": null }), json!({ "ok": null }), json!({ "ok": null })], "60 KiB fit");
    assert_eq!(outcomes[3], json!({ "error": "tool `kv` exceeded its 64.0 KiB storage quota in `put`" }));
    assert_eq!(outcomes[4], outcomes[3], "still full");
    let on_disk: u64 =
        std::fs::read_dir(bed.path().join("store")).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    assert!(on_disk <= 64 << 10, "{on_disk} bytes on disk");

    // Room freed by a delete can be used again, in a later run.
    let input = json!({ "do": "steps", "steps": [{ "do": "kv-delete", "key": "k0" }, put("k3", 20 << 10)] });
    let outcomes = bed.run(&runtime, artifacts::PROBE_COMPONENT, None, &input.to_string()).unwrap().unwrap();
    assert_eq!(outcomes, json!([{ "ok": true }, { "ok": null }]));
}

#[test]
fn a_storage_quota_needs_a_read_write_directory() {
    let bed = TestBed::new();
    let manifest = TestBed::base_manifest().edit(
        r#"dir = [{ host = "docs", guest = "/docs", access = "read-only" }]"#,
        r#"dir = [{ host = "docs", guest = "/docs", access = "read-only" }]
storage-quota = "1 MiB""#,
    );
    let error = bed.runtime(&manifest).err().unwrap();
    assert!(
        format!("{error:#}").contains(
            "tool `files`, field `storage-quota`: it bounds read-write directories, and this tool has none; remove it"
        ),
        "{error:#}"
    );
}
