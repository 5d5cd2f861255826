//! The building-access functions: users, door grants and sessions. Each one runs
//! parameterised SQL (`$1`, ...), so the names it is given are data, never SQL.

use gluesql_core::prelude::{ParamLiteral, Value};
use gluesql_core::translate::IntoParamLiteral as _;

use crate::engine::Db;

/// The roles a user may have.
pub const ROLES: [&str; 3] = ["staff", "security", "admin"];
/// Seconds a session lasts unless refreshed.
pub const SESSION_SECONDS: u32 = 3600;
/// Longest user name, in bytes.
const MAX_NAME: usize = 64;

/// A user's row.
pub struct UserRow {
    pub id: u32,
    pub name: String,
    pub role: String,
    pub active: bool,
}

/// An open session.
pub struct Session {
    pub session: String,
    pub user: String,
    pub role: String,
}

/// Every user, by id.
pub fn users(db: &mut Db) -> Result<Vec<UserRow>, String> {
    let rows = db.select("SELECT id, name, role, active FROM users ORDER BY id", Vec::new())?;
    rows.iter().map(|row| user_row(row)).collect()
}

/// Adds an active user with `role`; returns the new id.
pub fn add_user(db: &mut Db, name: &str, role: &str) -> Result<u32, String> {
    if !ROLES.contains(&role) {
        return Err(format!("unknown role `{role}`; roles are {}", ROLES.join(", ")));
    }
    if name.trim().is_empty() || name.len() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(format!("user names are 1 to {MAX_NAME} bytes of printable text; got {name:?}"));
    }
    if find_user(db, name)?.is_some() {
        return Err(format!("user `{name}` already exists"));
    }
    let id = next_id(db, "SELECT MAX(id) FROM users")?;
    let params = vec![i64::from(id).into_param_literal(), name.into_param_literal(), role.into_param_literal()];
    db.write(vec![("INSERT INTO users VALUES ($1, $2, $3, 1)", params)])?;
    Ok(id)
}

/// Grants `user` access to `door` (`*`: every door); returns how many grants were added.
pub fn grant(db: &mut Db, user: &str, door: &str) -> Result<u32, String> {
    let user_id = find_user(db, user)?.ok_or_else(|| format!("unknown user `{user}`"))?.id;
    let doors: Vec<(i64, String)> = db
        .select("SELECT id, name FROM doors ORDER BY id", Vec::new())?
        .iter()
        .map(|row| Ok((int(row.first(), "doors.id")?, text(row.get(1), "doors.name")?)))
        .collect::<Result<_, String>>()?;
    let wanted: Vec<i64> = if door == "*" {
        doors.iter().map(|(id, _)| *id).collect()
    } else {
        let id = doors.iter().find(|(_, name)| name == door).map(|(id, _)| *id);
        let names = doors.iter().map(|(_, name)| name.as_str()).collect::<Vec<_>>().join(", ");
        vec![id.ok_or_else(|| format!("unknown door `{door}`; doors are {names}"))?]
    };
    let held: Vec<i64> = db
        .select("SELECT door_id FROM door_access WHERE user_id = $1", vec![i64::from(user_id).into_param_literal()])?
        .iter()
        .map(|row| int(row.first(), "door_access.door_id"))
        .collect::<Result<_, String>>()?;
    let mut added: Vec<i64> = wanted.into_iter().filter(|id| !held.contains(id)).collect();
    added.dedup();
    if !added.is_empty() {
        let statements = added
            .iter()
            .map(|door_id| {
                let params = vec![i64::from(user_id).into_param_literal(), door_id.into_param_literal()];
                ("INSERT INTO door_access VALUES ($1, $2)", params)
            })
            .collect();
        db.write(statements)?;
    }
    u32::try_from(added.len()).map_err(|_| "too many grants".to_owned())
}

/// Opens a session for an active user. The id is derived from the user name and the
/// next value of the session counter (the largest `sessions.id` plus one).
pub fn connect(db: &mut Db, user: &str) -> Result<Session, String> {
    let found = find_user(db, user)?.ok_or_else(|| format!("unknown user `{user}`"))?;
    if !found.active {
        return Err(format!("user `{user}` is inactive; inactive users get no session"));
    }
    let id = next_id(db, "SELECT MAX(id) FROM sessions")?;
    let session = format!("sess-{id:04}-{:08x}", fnv1a(&format!("{user}#{id}")));
    let params =
        vec![i64::from(id).into_param_literal(), session.as_str().into_param_literal(), user.into_param_literal()];
    db.write(vec![("INSERT INTO sessions VALUES ($1, $2, $3, 0)", params)])?;
    Ok(Session { session, user: found.name, role: found.role })
}

/// Renews `session`: counts the renewal and returns it with its user's current role.
pub fn refresh(db: &mut Db, session: &str) -> Result<Session, String> {
    let rows = db.select("SELECT user_name FROM sessions WHERE session = $1", vec![session.into_param_literal()])?;
    let Some(row) = rows.first() else {
        return Err("unknown session".to_owned());
    };
    let user = text(row.first(), "sessions.user_name")?;
    let found = find_user(db, &user)?
        .ok_or_else(|| format!("session `{session}` belongs to `{user}`, who is no longer a user"))?;
    if !found.active {
        return Err(format!("session `{session}` belongs to `{user}`, who is now inactive"));
    }
    let params = vec![session.into_param_literal()];
    db.write(vec![("UPDATE sessions SET renewals = renewals + 1 WHERE session = $1", params)])?;
    Ok(Session { session: session.to_owned(), user: found.name, role: found.role })
}

fn find_user(db: &mut Db, name: &str) -> Result<Option<UserRow>, String> {
    let rows =
        db.select("SELECT id, name, role, active FROM users WHERE name = $1", vec![name.into_param_literal()])?;
    rows.first().map(|row| user_row(row)).transpose()
}

fn user_row(row: &[Value]) -> Result<UserRow, String> {
    let id = int(row.first(), "users.id")?;
    Ok(UserRow {
        id: u32::try_from(id).map_err(|_| format!("users.id {id} is not a valid id"))?,
        name: row.get(1).map_or_else(|| "NULL".to_owned(), String::from),
        role: row.get(2).map_or_else(|| "NULL".to_owned(), String::from),
        active: match row.get(3) {
            Some(Value::Bool(active)) => *active,
            Some(Value::Null) | None => false,
            value => int(value, "users.active")? != 0,
        },
    })
}

/// One more than the number `sql` (a `SELECT MAX(...)`) returns; 1 on an empty table.
fn next_id(db: &mut Db, sql: &str) -> Result<u32, String> {
    let rows = db.select(sql, Vec::<ParamLiteral>::new())?;
    let max = match rows.first().and_then(|row| row.first()) {
        None | Some(Value::Null) => 0,
        value => int(value, "the largest id")?,
    };
    max.checked_add(1)
        .and_then(|next| u32::try_from(next).ok())
        .filter(|next| *next > 0)
        .ok_or_else(|| format!("cannot pick an id after {max}"))
}

fn int(value: Option<&Value>, what: &str) -> Result<i64, String> {
    match value {
        Some(Value::I8(n)) => Ok(i64::from(*n)),
        Some(Value::I16(n)) => Ok(i64::from(*n)),
        Some(Value::I32(n)) => Ok(i64::from(*n)),
        Some(Value::I64(n)) => Ok(*n),
        Some(Value::U8(n)) => Ok(i64::from(*n)),
        Some(Value::U16(n)) => Ok(i64::from(*n)),
        Some(Value::U32(n)) => Ok(i64::from(*n)),
        Some(other) => Err(format!("{what} should be an integer; it is {}", String::from(other))),
        None => Err(format!("{what} is missing")),
    }
}

fn text(value: Option<&Value>, what: &str) -> Result<String, String> {
    match value {
        Some(Value::Str(s)) => Ok(s.clone()),
        Some(other) => Err(format!("{what} should be text; it is {}", String::from(other))),
        None => Err(format!("{what} is missing")),
    }
}

/// FNV-1a, 32 bits: a fixed, dependency-free hash for session ids.
fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193))
}
