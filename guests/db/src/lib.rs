//! The `db` tool: the building-access database of the security scenario, a real SQL
//! engine (GlueSQL, pure Rust) kept in the directory granted at `/data`.
//!
//! `engine` runs SQL and keeps memory and disk in step, `store` saves and loads the
//! snapshot, `access` holds the building functions, `seed.sql` the first data.
//! The database is loaded once per instance, on the first call.

mod access;
mod engine;
mod store;

use std::sync::Mutex;

use exports::cemcp::db::db::{ColumnInfo, Connection, Guest, QueryResult, TableInfo, User};

use crate::engine::Db;

wit_bindgen::generate!({ path: "../../wit/db", world: "db-tool" });

/// The WIT this tool exports, doc comments included, carried in the component (custom
/// section `cemcp:wit`) so that cemcp can show the docs to agents; the component model
/// binary format has no place for docs of its own.
#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../wit/db/db.wit").len()] = *include_bytes!("../../../wit/db/db.wit");

/// The database of this instance, once a call has loaded it.
static DB: Mutex<Option<Db>> = Mutex::new(None);

/// Runs `f` on the database, loading it first if this instance has not yet.
fn with_db<T>(f: impl FnOnce(&mut Db) -> Result<T, String>) -> Result<T, String> {
    let mut slot = DB.lock().map_err(|_| "the database is unavailable after an earlier failure".to_owned())?;
    let db = match &mut *slot {
        Some(db) => db,
        empty @ None => empty.insert(Db::open()?),
    };
    f(db)
}

fn connection(session: access::Session) -> Connection {
    Connection { session: session.session, user: session.user, role: session.role, expires_in: access::SESSION_SECONDS }
}

struct Tool;

impl Guest for Tool {
    fn inspect_database() -> Result<Vec<TableInfo>, String> {
        with_db(|db| {
            Ok(db
                .tables()
                .into_iter()
                .map(|table| TableInfo {
                    name: table.name,
                    columns: table
                        .columns
                        .into_iter()
                        .map(|(name, data_type)| ColumnInfo { name, data_type })
                        .collect(),
                    rows: table.rows,
                })
                .collect())
        })
    }

    fn query(sql: String) -> Result<QueryResult, String> {
        with_db(|db| {
            let outcome = db.query(&sql)?;
            Ok(QueryResult { columns: outcome.columns, rows: outcome.rows, affected: outcome.affected })
        })
    }

    fn get_connection(user: String) -> Result<Connection, String> {
        with_db(|db| access::connect(db, &user).map(connection))
    }

    fn refresh_session(session: String) -> Result<Connection, String> {
        with_db(|db| access::refresh(db, &session).map(connection))
    }

    fn add_user(name: String, role: String) -> Result<u32, String> {
        with_db(|db| access::add_user(db, &name, &role))
    }

    fn grant_door_access(user: String, door: String) -> Result<u32, String> {
        with_db(|db| access::grant(db, &user, &door))
    }

    fn list_users() -> Result<Vec<User>, String> {
        with_db(|db| {
            Ok(access::users(db)?
                .into_iter()
                .map(|user| User { id: user.id, name: user.name, role: user.role, active: user.active })
                .collect())
        })
    }
}

export!(Tool);
