//! The compiled-component cache is written on the first load and used on the second.

use cemcp::{CacheOutcome, ComponentCache, Manifest, Runtime};
use cemcp_tests::{TestBed, artifacts};

#[test]
fn second_load_comes_from_the_cache() {
    let bed = TestBed::new();
    let cache_dir = bed.path().join("cache");
    let load = || {
        let manifest = Manifest::load(&bed.write_manifest(&TestBed::base_manifest())).unwrap();
        Runtime::new(manifest, ComponentCache::in_dir(&cache_dir)).unwrap()
    };
    let program = std::fs::read(artifacts::REPORT_COMPONENT).unwrap();

    let first = load();
    assert_eq!(first.tool("files").unwrap().cache, CacheOutcome::Miss);
    assert_eq!(first.load_program(&program, None).unwrap().cache, CacheOutcome::Miss);
    let names: Vec<String> =
        std::fs::read_dir(&cache_dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    let entries = names.iter().filter(|n| n.ends_with(".cwasm")).count();
    assert_eq!(entries, 6, "one entry per component: files, kv, flaky, http, config, report");
    assert_eq!(names.iter().filter(|n| n.ends_with(".cwasm.sum")).count(), 6, "each with its checksum: {names:?}");

    let second = load();
    for tool in ["files", "kv", "flaky", "http", "config"] {
        assert_eq!(second.tool(tool).unwrap().cache, CacheOutcome::Hit, "{tool}");
    }
    let program = second.load_program(&program, None).unwrap();
    assert_eq!(program.cache, CacheOutcome::Hit);
    // Code from the cache runs.
    let out = second.run(&program, r#"{"pattern": "fox"}"#, &cemcp::CancelToken::new()).unwrap();
    assert!(out.output.contains(r#""total_words":18"#), "{}", out.output);
}

/// A cache holding one entry, for `flaky`, just written: the bed, the cache, its
/// engine, the component's bytes and the entry's path.
fn one_entry() -> (TestBed, ComponentCache, wasmtime::Engine, Vec<u8>, std::path::PathBuf) {
    let bed = TestBed::new();
    let cache = ComponentCache::in_dir(bed.path().join("cache"));
    let engine = cemcp::engine::new_engine().unwrap();
    let wasm = std::fs::read(artifacts::FLAKY_COMPONENT).unwrap();
    assert_eq!(cache.load(&engine, &wasm).unwrap().1, CacheOutcome::Miss);
    let entry = std::fs::read_dir(bed.path().join("cache"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .unwrap();
    (bed, cache, engine, wasm, entry)
}

#[test]
fn corrupt_cache_entry_is_recompiled_and_replaced() {
    let (_bed, cache, engine, wasm, entry) = one_entry();
    std::fs::write(&entry, b"not a compiled component").unwrap();
    assert_eq!(cache.load(&engine, &wasm).unwrap().1, CacheOutcome::Miss);
    assert_eq!(cache.load(&engine, &wasm).unwrap().1, CacheOutcome::Hit);
}

#[test]
fn an_entry_cut_short_or_with_a_flipped_byte_is_never_loaded_but_recompiled() {
    let (_bed, cache, engine, wasm, entry) = one_entry();
    let whole = std::fs::read(&entry).unwrap();
    // Cut short, as a full disk would leave it.
    std::fs::write(&entry, &whole[..whole.len() / 2]).unwrap();
    assert_eq!(cache.load(&engine, &wasm).unwrap().1, CacheOutcome::Miss);
    // One byte of machine code changed, as a bad sector would: the header and the
    // engine's compatibility still look right to wasmtime, the checksum does not.
    let mut damaged = std::fs::read(&entry).unwrap();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x40;
    std::fs::write(&entry, &damaged).unwrap();
    assert_eq!(cache.load(&engine, &wasm).unwrap().1, CacheOutcome::Miss);
    assert_eq!(std::fs::read(&entry).unwrap(), whole, "the damaged entry was replaced");
    assert_eq!(cache.load(&engine, &wasm).unwrap().1, CacheOutcome::Hit);
    // An entry whose checksum file is gone (or is not one cemcp wrote) is not trusted.
    let sum = entry.with_extension("cwasm.sum");
    std::fs::remove_file(&sum).unwrap();
    assert_eq!(cache.load(&engine, &wasm).unwrap().1, CacheOutcome::Miss);
    std::fs::write(&sum, b"garbage").unwrap();
    assert_eq!(cache.load(&engine, &wasm).unwrap().1, CacheOutcome::Miss);
    assert_eq!(cache.load(&engine, &wasm).unwrap().1, CacheOutcome::Hit);
}

/// An entry that passed its check with its times settled (2 s) has that recorded in
/// its sidecar and is not read to be checked again; a flipped byte written after the
/// record is still found, since the write changes the entry's identity.
#[test]
fn a_recorded_check_stands_only_while_the_entry_is_unchanged() {
    let (_bed, cache, engine, wasm, entry) = one_entry();
    let sum = entry.with_extension("cwasm.sum");
    let sum_len = || std::fs::metadata(&sum).unwrap().len();
    assert_eq!(cache.load(&engine, &wasm).unwrap().1, CacheOutcome::Hit);
    assert_eq!(sum_len(), 20, "just written: no check recorded");

    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(cache.load(&engine, &wasm).unwrap().1, CacheOutcome::Hit);
    let recorded = String::from_utf8_lossy(&std::fs::read(&sum).unwrap()[20..]).into_owned();
    assert!(recorded.ends_with(" checked\n"), "{recorded:?}");
    assert_eq!(cache.load(&engine, &wasm).unwrap().1, CacheOutcome::Hit, "taken on the record");

    let mut damaged = std::fs::read(&entry).unwrap();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x40;
    std::fs::write(&entry, &damaged).unwrap();
    assert_eq!(cache.load(&engine, &wasm).unwrap().1, CacheOutcome::Miss, "changed since: checked, and recompiled");
}

#[test]
#[cfg(unix)]
fn a_cache_directory_others_may_write_is_refused_with_the_reason() {
    use std::os::unix::fs::PermissionsExt as _;
    let bed = TestBed::new();
    let dir = bed.path().join("shared-cache");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let manifest = Manifest::load(&bed.write_manifest(&TestBed::base_manifest())).unwrap();
    let error = Runtime::new(manifest, ComponentCache::in_dir(&dir)).err().unwrap().to_string();
    assert_eq!(
        error,
        format!(
            "refusing the component cache {}: group or others may write it (mode 777), and its entries are code \
             cemcp runs; `chmod 700` it, or choose another with --cache-dir",
            dir.display()
        )
    );
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let manifest = Manifest::load(&bed.path().join("manifest.toml")).unwrap();
    assert!(Runtime::new(manifest, ComponentCache::in_dir(&dir)).is_ok());
}

#[test]
fn disabled_cache_writes_nothing() {
    let engine = cemcp::engine::new_engine().unwrap();
    let wasm = std::fs::read(artifacts::FLAKY_COMPONENT).unwrap();
    assert_eq!(ComponentCache::disabled().load(&engine, &wasm).unwrap().1, CacheOutcome::Uncached);
}

#[test]
fn the_cache_is_bounded_and_evicts_what_was_used_longest_ago() {
    let bed = TestBed::new();
    let engine = cemcp::engine::new_engine().unwrap();
    let [flaky, config, http] = [artifacts::FLAKY_COMPONENT, artifacts::CONFIG_COMPONENT, artifacts::HTTP_COMPONENT]
        .map(|p| std::fs::read(p).unwrap());
    // The size of each entry, from a cache without a bound.
    let sizing = ComponentCache::in_dir(bed.path().join("sizing"));
    let sizes: Vec<u64> = [&flaky, &config, &http]
        .iter()
        .map(|wasm| {
            sizing.load(&engine, wasm).unwrap();
            dir_size(&bed.path().join("sizing"))
        })
        .collect();
    let all_three = sizes[2];
    let dir = bed.path().join("cache");
    let cache = ComponentCache::in_dir(&dir).with_max_bytes(all_three - 1);
    let pause = || std::thread::sleep(std::time::Duration::from_millis(30));

    assert_eq!(cache.load(&engine, &flaky).unwrap().1, CacheOutcome::Miss);
    pause();
    assert_eq!(cache.load(&engine, &config).unwrap().1, CacheOutcome::Miss);
    pause();
    assert_eq!(cache.load(&engine, &flaky).unwrap().1, CacheOutcome::Hit, "flaky is now the most recently used");
    pause();
    // All three do not fit: the one used longest ago (config) goes.
    assert_eq!(cache.load(&engine, &http).unwrap().1, CacheOutcome::Miss);
    assert!(dir_size(&dir) < all_three, "{} bytes in a cache of {}", dir_size(&dir), all_three - 1);
    assert_eq!(cache.load(&engine, &flaky).unwrap().1, CacheOutcome::Hit);
    assert_eq!(cache.load(&engine, &http).unwrap().1, CacheOutcome::Hit);
    assert_eq!(cache.load(&engine, &config).unwrap().1, CacheOutcome::Miss, "evicted, so compiled again");

    // An entry larger than the whole cache is not kept.
    let tiny = ComponentCache::in_dir(bed.path().join("tiny")).with_max_bytes(1024);
    assert_eq!(tiny.load(&engine, &flaky).unwrap().1, CacheOutcome::Uncached);
    assert_eq!(tiny.load(&engine, &flaky).unwrap().1, CacheOutcome::Uncached);
}

fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum()
}

#[test]
fn a_program_sent_again_is_taken_as_linked_and_its_runs_still_start_fresh() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let wasm = std::fs::read(artifacts::PROBE_COMPONENT).unwrap();
    let all = runtime.profile(Some("all")).unwrap();
    let first = runtime.program_for(&wasm, all).unwrap();
    let again = runtime.program_for(&wasm, all).unwrap();
    assert!(std::sync::Arc::ptr_eq(&first, &again), "the same linked program");

    // Each run still gets fresh instances: the flaky tool counts from 1 every time.
    let count = r#"{"do": "flaky", "calls": ["count", "count"]}"#;
    for program in [&first, &again] {
        let out = runtime.run(program, count, &cemcp::CancelToken::new()).unwrap();
        assert_eq!(out.output, r#"[{"ok":1},{"ok":2}]"#);
    }

    // Another profile is checked on its own, and a refusal is given every time.
    let files_only = runtime.profile(Some("files-only")).unwrap();
    for _ in 0..2 {
        let refused = runtime.program_for(&wasm, files_only).err().unwrap().to_string();
        assert!(refused.starts_with("program refused: it imports `cemcp:kv/kv@0.1.0`"), "{refused}");
    }
}

#[test]
fn a_registered_program_is_known_by_its_own_digest() {
    // A run by name takes the digest read with the manifest instead of hashing the
    // bytes again: it must be theirs, or the recent programs would serve another.
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let Some(cemcp::runtime::Registered::Component { wasm, digest }) = runtime.registered_program("report") else {
        panic!("the base manifest registers the `report` component");
    };
    assert_eq!(digest, &cemcp::cache::digest(wasm));
    let linked = runtime.program_for(wasm, runtime.profile(None).unwrap()).unwrap();
    assert_eq!(&linked.digest, digest);
}

/// Every function's docs as agents read them, tool by tool.
fn docs_of(runtime: &Runtime) -> Vec<(String, cemcp::tool::FuncDocs)> {
    let tools = runtime.tools().iter();
    tools.flat_map(|t| t.functions().map(|f| (format!("{}.{}", t.name, f.func.name), f.docs.clone()))).collect()
}

#[test]
fn docs_decoded_once_are_taken_from_the_cache_and_are_the_same() {
    let bed = TestBed::new();
    let cache_dir = bed.path().join("cache");
    let manifest = || Manifest::load(&bed.write_manifest(&TestBed::base_manifest())).unwrap();
    let decoded = docs_of(&Runtime::new(manifest(), ComponentCache::disabled()).unwrap());
    assert!(decoded.iter().any(|(name, docs)| name == "kv.put" && !docs.docs.is_empty() && !docs.params.is_empty()));

    let first = docs_of(&Runtime::new(manifest(), ComponentCache::in_dir(&cache_dir)).unwrap());
    let kept: Vec<std::path::PathBuf> = std::fs::read_dir(&cache_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("-docs-"))
        .collect();
    assert_eq!(kept.len(), 5, "one docs entry per tool: {kept:?}");
    let second = docs_of(&Runtime::new(manifest(), ComponentCache::in_dir(&cache_dir)).unwrap());
    assert_eq!(first, decoded);
    assert_eq!(second, decoded, "docs from the cache are the docs decoded");

    // A damaged docs entry is not used: the docs are decoded again, the same.
    for entry in &kept {
        let mut bytes = std::fs::read(entry).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x20;
        std::fs::write(entry, bytes).unwrap();
    }
    let third = docs_of(&Runtime::new(manifest(), ComponentCache::in_dir(&cache_dir)).unwrap());
    assert_eq!(third, decoded);
}

/// A tool's component is hashed as a stream and read whole only when it must be
/// compiled; what is compiled is what was hashed (and checked against its pin).
#[test]
fn a_component_changed_between_hashing_and_reading_is_refused() {
    use cemcp::sandbox::grants::ComponentFile;
    let bed = TestBed::new();
    let path = bed.path().join("tool.wasm");
    std::fs::write(&path, std::fs::read(artifacts::FLAKY_COMPONENT).unwrap()).unwrap();
    let file = ComponentFile::open(&path, None, &ComponentCache::disabled()).unwrap();
    assert_eq!(file.digest(), cemcp::cache::digest(&std::fs::read(&path).unwrap()));
    std::fs::write(&path, b"\0asm changed").unwrap();
    let error = file.bytes().unwrap_err();
    assert_eq!(error, format!("`{}` changed while it was being loaded; load it again", path.display()));

    let unchanged = ComponentFile::open(&path, None, &ComponentCache::disabled()).unwrap();
    assert_eq!(unchanged.bytes().unwrap(), b"\0asm changed");
    let pin = "1".repeat(64);
    let refused = ComponentFile::open(&path, Some(&pin), &ComponentCache::disabled()).unwrap_err().to_string();
    assert!(refused.ends_with(&format!("but the manifest pins sha256:{pin}; refusing to load it")), "{refused}");
}

/// A component's digest is remembered by the file's identity once its times are
/// settled (2 s), so an unchanged component is not hashed at the next start; a
/// component written since is hashed again, and its pin checked against what it now
/// holds.
#[test]
fn a_remembered_digest_stands_only_while_the_file_is_unchanged() {
    use cemcp::sandbox::grants::ComponentFile;
    let bed = TestBed::new();
    let cache = ComponentCache::in_dir(bed.path().join("cache"));
    let path = bed.path().join("tool.wasm");
    let flaky = std::fs::read(artifacts::FLAKY_COMPONENT).unwrap();
    std::fs::write(&path, &flaky).unwrap();
    let digest = cemcp::cache::digest(&flaky);
    let pin = digest.trim_start_matches("sha256:").to_owned();
    assert_eq!(ComponentFile::open(&path, Some(&pin), &cache).unwrap().digest(), digest);
    let memos = || std::fs::read_dir(bed.path().join("cache/digests")).map_or(0, Iterator::count);
    assert_eq!(memos(), 0, "just written: not remembered yet");

    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(ComponentFile::open(&path, Some(&pin), &cache).unwrap().digest(), digest);
    assert_eq!(memos(), 1, "settled: remembered");
    assert_eq!(ComponentFile::open(&path, Some(&pin), &cache).unwrap().digest(), digest, "taken from the memo");

    std::fs::write(&path, b"\0asm changed").unwrap();
    let refused = ComponentFile::open(&path, Some(&pin), &cache).unwrap_err().to_string();
    assert!(refused.ends_with(&format!("but the manifest pins sha256:{pin}; refusing to load it")), "{refused}");
}
