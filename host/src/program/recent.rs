//! Programs linked recently, kept ready: a client that runs the same program again
//! (agents do, with new input) skips deserializing and linking it. Keyed by the
//! program's digest and the profile it was checked against; bounded, the least
//! recently used dropped first. A linked program holds no run state (each run gets
//! fresh Stores), so sharing one between runs shares only compiled code.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::Program;

/// How many linked programs a runtime keeps.
pub const KEPT: usize = 64;

/// The recently linked programs of one runtime.
#[derive(Default)]
pub struct RecentPrograms {
    inner: Mutex<Recent>,
}

#[derive(Default)]
struct Recent {
    /// `(digest, profile)` to (last use, program).
    programs: HashMap<(String, String), (u64, Arc<Program>)>,
    clock: u64,
}

impl RecentPrograms {
    /// The program with `digest` linked for `profile`, if it is kept.
    pub fn get(&self, digest: &str, profile: &str) -> Option<Arc<Program>> {
        let mut recent = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        recent.clock += 1;
        let now = recent.clock;
        let (used, program) = recent.programs.get_mut(&(digest.to_owned(), profile.to_owned()))?;
        *used = now;
        Some(Arc::clone(program))
    }

    /// Keeps `program`, dropping the least recently used one when full.
    pub fn keep(&self, program: &Arc<Program>) {
        let mut recent = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        recent.clock += 1;
        let now = recent.clock;
        if recent.programs.len() >= KEPT {
            let oldest = recent.programs.iter().min_by_key(|(_, (used, _))| *used).map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                recent.programs.remove(&oldest);
            }
        }
        recent.programs.insert((program.digest.clone(), program.profile.clone()), (now, Arc::clone(program)));
    }
}
