//! The database: GlueSQL over its in-memory storage, loaded from `/data` on first use
//! and saved there after every change (see `store`).
//!
//! Every change is all or nothing: the storage is copied before a statement that may
//! change it and put back if the statement fails or its result cannot be saved, so
//! memory and disk never disagree.

use std::collections::BTreeSet;

use gluesql_core::error::Error;
use gluesql_core::executor::{Payload, PayloadVariable};
use gluesql_core::parse_sql::parse;
use gluesql_core::plan::StatementPlan;
use gluesql_core::prelude::{Glue, ParamLiteral, Value};
use gluesql_memory_storage::MemoryStorage;

use crate::store;

/// The seed of an empty database.
const SEED: &str = include_str!("seed.sql");

/// The result of one statement, values rendered as text.
pub struct Outcome {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub affected: u64,
}

/// One table: name, columns (name, type) and row count.
pub struct TableSummary {
    pub name: String,
    pub columns: Vec<(String, String)>,
    pub rows: u64,
}

pub struct Db {
    glue: Glue<MemoryStorage>,
}

impl Db {
    /// Loads the database from `/data`, creating and seeding it if there is none.
    pub fn open() -> Result<Self, String> {
        if let Some(storage) = store::load()? {
            return Ok(Self { glue: Glue::new(storage) });
        }
        let mut db = Self { glue: Glue::new(MemoryStorage::default()) };
        db.glue.execute(SEED).map_err(|e| format!("cannot seed the database: {}", sql_error(&e)))?;
        store::save(&db.glue.storage)?;
        Ok(db)
    }

    /// Runs exactly one SQL statement, saving the database if it may have changed.
    pub fn query(&mut self, sql: &str) -> Result<Outcome, String> {
        let count = parse(sql).map_err(|e| sql_error(&e))?.len();
        if count != 1 {
            return Err(format!("SQL error: `query` runs exactly one statement; the text holds {count}"));
        }
        let plans = self.glue.plan(sql).map_err(|e| sql_error(&e))?;
        let Some(plan) = plans.first() else {
            return Err("SQL error: the statement planned to nothing".to_owned());
        };
        let payload = if read_only(plan) {
            self.glue.execute_stmt(plan).map_err(|e| sql_error(&e))?
        } else {
            self.change(|glue| glue.execute_stmt(plan).map_err(|e| sql_error(&e)))?
        };
        Ok(render(payload))
    }

    /// Runs one statement with parameters (`$1`, `$2`, ...) that does not change the
    /// database, and returns its rows.
    pub fn select(&mut self, sql: &str, params: Vec<ParamLiteral>) -> Result<Vec<Vec<Value>>, String> {
        let payloads = self.glue.execute_with_params(sql, params).map_err(|e| sql_error(&e))?;
        match payloads.into_iter().next() {
            Some(Payload::Select { rows, .. }) => Ok(rows),
            _ => Err(format!("SQL error: `{sql}` returned no rows")),
        }
    }

    /// Runs `statements` (each with its parameters) as one change: all of them are
    /// saved, or none is applied.
    pub fn write(&mut self, statements: Vec<(&str, Vec<ParamLiteral>)>) -> Result<(), String> {
        self.change(|glue| {
            for (sql, params) in statements {
                glue.execute_with_params(sql, params).map_err(|e| sql_error(&e))?;
            }
            Ok(())
        })
    }

    /// Every table, by name.
    pub fn tables(&self) -> Vec<TableSummary> {
        let mut tables: Vec<TableSummary> = self
            .glue
            .storage
            .items
            .iter()
            .map(|(name, item)| TableSummary {
                name: name.clone(),
                columns: item
                    .schema
                    .column_defs
                    .iter()
                    .flatten()
                    .map(|column| (column.name.clone(), column.data_type.to_string()))
                    .collect(),
                rows: u64::try_from(item.rows.len()).unwrap_or(u64::MAX),
            })
            .collect();
        tables.sort_by(|a, b| a.name.cmp(&b.name));
        tables
    }

    /// Applies `f`, then saves; puts the storage back as it was if either fails.
    fn change<T>(&mut self, f: impl FnOnce(&mut Glue<MemoryStorage>) -> Result<T, String>) -> Result<T, String> {
        let before = self.glue.storage.clone();
        let result = f(&mut self.glue).and_then(|value| store::save(&self.glue.storage).map(|()| value));
        if result.is_err() {
            self.glue.storage = before;
        }
        result
    }
}

/// Whether a statement only reads.
fn read_only(plan: &StatementPlan) -> bool {
    matches!(
        plan,
        StatementPlan::Query(_)
            | StatementPlan::ShowColumns { .. }
            | StatementPlan::ShowVariable(_)
            | StatementPlan::ShowIndexes(_)
    )
}

fn render(payload: Payload) -> Outcome {
    let text = |rows: Vec<Vec<Value>>| -> Vec<Vec<String>> {
        rows.into_iter().map(|row| row.into_iter().map(String::from).collect()).collect()
    };
    let listing = |column: &str, names: Vec<String>| Outcome {
        columns: vec![column.to_owned()],
        rows: names.into_iter().map(|name| vec![name]).collect(),
        affected: 0,
    };
    let affected =
        |n: usize| Outcome { columns: Vec::new(), rows: Vec::new(), affected: u64::try_from(n).unwrap_or(u64::MAX) };
    match payload {
        Payload::Select { labels, rows } => Outcome { columns: labels, rows: text(rows), affected: 0 },
        Payload::SelectMap(maps) => {
            let columns: Vec<String> =
                maps.iter().flat_map(|map| map.keys().cloned()).collect::<BTreeSet<_>>().into_iter().collect();
            let rows = maps
                .into_iter()
                .map(|map| columns.iter().map(|c| map.get(c).map_or_else(|| "NULL".to_owned(), String::from)).collect())
                .collect();
            Outcome { columns, rows, affected: 0 }
        }
        Payload::ShowColumns(columns) => Outcome {
            columns: vec!["field".to_owned(), "type".to_owned()],
            rows: columns.into_iter().map(|(name, ty)| vec![name, ty.to_string()]).collect(),
            affected: 0,
        },
        Payload::ShowVariable(PayloadVariable::Tables(names)) => listing("table", names),
        Payload::ShowVariable(PayloadVariable::Functions(names)) => listing("function", names),
        Payload::ShowVariable(PayloadVariable::Version(version)) => listing("version", vec![version]),
        Payload::Insert(n) | Payload::Delete(n) | Payload::Update(n) | Payload::DropTable(n) => affected(n),
        Payload::Create
        | Payload::DropFunction
        | Payload::AlterTable
        | Payload::CreateIndex
        | Payload::DropIndex
        | Payload::StartTransaction
        | Payload::Commit
        | Payload::Rollback => affected(0),
    }
}

/// The engine's error as one line, prefixed "SQL error: ". The parser's errors come
/// as Rust debug text (`ParserError("Expected: ...")`): only the message is kept.
fn sql_error(error: &Error) -> String {
    let message = match error {
        Error::Parser(debug) => {
            let inner = debug.split_once('(').map_or(debug.as_str(), |(_, rest)| rest);
            let inner = inner.trim_end().trim_end_matches(')').trim().trim_end_matches(',').trim();
            let inner = inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap_or(inner);
            format!("parser: {}", inner.replace("\\\"", "\"").replace("\\'", "'"))
        }
        other => other.to_string(),
    };
    format!("SQL error: {}", message.split_whitespace().collect::<Vec<_>>().join(" "))
}
