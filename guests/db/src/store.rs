//! Persistence: the whole database is one JSON snapshot, `/data/access-db.json`.
//!
//! GlueSQL's own JSON storage rewrites its files in place (one schema file and one
//! data file per table), so a run stopped half-way could leave a torn database. The
//! engine runs instead on its in-memory storage, and after every change this module
//! writes a snapshot of all of it atomically: a temporary file created exclusively,
//! flushed to disk, then renamed over the snapshot. A reader sees the old database or
//! the new one. Two runs changing the database at once do not corrupt it, but the
//! last to save wins.

use std::collections::BTreeMap;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use gluesql_core::data::{CustomFunction, Key, Schema, Value};
use gluesql_memory_storage::{Item, MemoryStorage};
use serde::{Deserialize, Serialize};

/// The directory the admin grants to the tool.
const DIR: &str = "/data";
/// The snapshot, in `DIR`.
const FILE: &str = "access-db.json";
/// Version of the snapshot's layout.
const FORMAT: u32 = 1;
/// Temporary files start with this.
const TEMP_PREFIX: &str = ".tmp-access-db-";

/// Everything the in-memory storage holds, in a form JSON can carry (row keys are
/// not strings, so tables are lists of pairs) and in a fixed order.
#[derive(Serialize, Deserialize)]
struct Snapshot {
    format: u32,
    id_counter: i64,
    tables: Vec<Table>,
    metadata: Vec<(String, BTreeMap<String, Value>)>,
    functions: Vec<CustomFunction>,
}

#[derive(Serialize, Deserialize)]
struct Table {
    schema: Schema,
    rows: Vec<(Key, Vec<Value>)>,
}

/// The saved database, or `None` if `/data` holds none yet.
pub fn load() -> Result<Option<MemoryStorage>, String> {
    let path = snapshot_path()?;
    if let Ok(dir) = fs::read_dir(DIR) {
        dir.filter_map(Result::ok).for_each(|entry| {
            atomic_file::remove_if_stale(&entry, TEMP_PREFIX);
        });
    }
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read the database {}: {e}", path.display())),
    };
    let snapshot: Snapshot = serde_json::from_slice(&bytes)
        .map_err(|e| format!("the database {} is damaged and was left as it is: {e}", path.display()))?;
    if snapshot.format != FORMAT {
        return Err(format!(
            "the database {} has format {}; this tool reads format {FORMAT}",
            path.display(),
            snapshot.format
        ));
    }
    Ok(Some(from_snapshot(snapshot)))
}

/// Saves `storage` atomically over the snapshot.
pub fn save(storage: &MemoryStorage) -> Result<(), String> {
    let path = snapshot_path()?;
    let bytes = serde_json::to_vec(&to_snapshot(storage)).map_err(|e| format!("cannot encode the database: {e}"))?;
    // JSON has no NaN or infinity (they are written as null): refuse what could not
    // be read back rather than save a database that no later run can open.
    serde_json::from_slice::<Snapshot>(&bytes)
        .map_err(|e| format!("the database would not read back after this change ({e}); the change was undone"))?;
    atomic_file::replace(Path::new(DIR), TEMP_PREFIX, &path, &bytes)
        .map_err(|e| format!("cannot save the database {}: {e}", path.display()))
}

fn snapshot_path() -> Result<PathBuf, String> {
    let granted = wasip2::filesystem::preopens::get_directories().into_iter().any(|(_, path)| path == DIR);
    if granted {
        Ok(Path::new(DIR).join(FILE))
    } else {
        Err(format!("the db tool needs the directory `{DIR}` granted to it (read-write); none is"))
    }
}

fn to_snapshot(storage: &MemoryStorage) -> Snapshot {
    let mut tables: Vec<Table> = storage
        .items
        .values()
        .map(|item| Table {
            schema: item.schema.clone(),
            rows: item.rows.iter().map(|(key, row)| (key.clone(), row.clone())).collect(),
        })
        .collect();
    tables.sort_by(|a, b| a.schema.table_name.cmp(&b.schema.table_name));
    let mut metadata: Vec<_> = storage.metadata.iter().map(|(name, meta)| (name.clone(), meta.clone())).collect();
    metadata.sort_by(|a, b| a.0.cmp(&b.0));
    let mut functions: Vec<CustomFunction> = storage.functions.values().cloned().collect();
    functions.sort_by(|a, b| a.func_name.cmp(&b.func_name));
    Snapshot { format: FORMAT, id_counter: storage.id_counter, tables, metadata, functions }
}

fn from_snapshot(snapshot: Snapshot) -> MemoryStorage {
    let items = snapshot
        .tables
        .into_iter()
        .map(|table| {
            (table.schema.table_name.clone(), Item { schema: table.schema, rows: table.rows.into_iter().collect() })
        })
        .collect();
    let functions = snapshot.functions.into_iter().map(|f| (f.func_name.to_uppercase(), f)).collect();
    MemoryStorage {
        id_counter: snapshot.id_counter,
        items,
        metadata: snapshot.metadata.into_iter().collect(),
        functions,
    }
}
