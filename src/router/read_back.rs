//! What a call reads back and reports: the paths its function returned,
//! each ref read on with the caller's path suffixes, and the caller's
//! paths under the function's object, as falcor-router does; a source's
//! read-back as the source reported it.

use crate::path::{KeySet, Path, PathSet};

/// What a call's handler answered, sorted for reporting.
#[derive(Default)]
pub(crate) struct Returned {
    /// Refs, by where they stand.
    pub(crate) refs: Vec<Path>,
    /// Other values, by where they stand.
    pub(crate) values: Vec<Path>,
    pub(crate) invalidated: Vec<PathSet>,
    /// The paths a source reported, its read-back made: reported as they
    /// are, and read through the routes (refs into local ones followed).
    pub(crate) read_back: Vec<PathSet>,
}

/// A call's read-back, gathered answer by answer.
#[derive(Default)]
pub(crate) struct ReadBack {
    /// The paths the call reports.
    pub(crate) reported: Vec<PathSet>,
    /// What is reported when the read-back cannot be made: the refs' own
    /// paths and the values.
    pub(crate) unread: Vec<PathSet>,
    /// What is read back.
    pub(crate) queued: Vec<PathSet>,
    pub(crate) invalidated: Vec<PathSet>,
}

impl ReadBack {
    /// Adds what a source's function returned: its read-back made.
    pub(crate) fn add_source(&mut self, returned: Returned) {
        self.invalidated.extend(returned.invalidated);
        self.queued.extend(returned.read_back.iter().cloned());
        self.unread.extend(returned.read_back.iter().cloned());
        self.reported.extend(returned.read_back);
    }

    /// Adds what a function standing at `prefixes` returned to a caller
    /// who named it `call_path` and asked `path_suffixes` and `paths`
    /// back.
    pub(crate) fn add(
        &mut self,
        returned: Returned,
        prefixes: &[PathSet],
        call_path: &PathSet,
        path_suffixes: &[PathSet],
        paths: &[PathSet],
    ) {
        self.invalidated.extend(returned.invalidated);
        // Where the function stands once refs are resolved, and where
        // the caller named it.
        let (parents, caller_parent) = parents(prefixes, call_path);
        let relative = |at: &Path| -> PathSet {
            let parent = parents.iter().find(|parent| at.starts_with(&parent[..]));
            match (parent, &caller_parent) {
                (Some(parent), Some(caller)) => caller
                    .iter()
                    .chain(at[parent.len()..].iter())
                    .cloned()
                    .map(KeySet::Key)
                    .collect(),
                _ => at.to_path_set(),
            }
        };
        for at in &returned.refs {
            self.unread.push(at.to_path_set());
            if path_suffixes.is_empty() {
                self.reported.push(at.to_path_set());
            }
            for suffix in path_suffixes {
                let path: PathSet = relative(at)
                    .iter()
                    .cloned()
                    .chain(suffix.iter().cloned())
                    .collect();
                self.queued.push(path.clone());
                self.reported.push(path);
            }
        }
        self.reported
            .extend(returned.values.iter().map(Path::to_path_set));
        self.unread
            .extend(returned.values.iter().map(Path::to_path_set));
        // Then what the caller asked back, as falcor-router orders them.
        for this in paths {
            let base = caller_parent.clone().or_else(|| parents.first().cloned());
            let path: PathSet = base
                .iter()
                .flat_map(|parent| parent.iter().cloned().map(KeySet::Key))
                .chain(this.iter().cloned())
                .collect();
            self.queued.push(path.clone());
            self.reported.push(path);
        }
    }
}

/// The paths of the objects a function stands in (its `prefixes` less
/// their last key, refs resolved), and the object the caller named it
/// on (`call_path` less its last key), when the call path is one path.
fn parents(prefixes: &[PathSet], call_path: &PathSet) -> (Vec<Path>, Option<Path>) {
    let parents = prefixes
        .iter()
        .flat_map(PathSet::expand)
        .map(|path| Path::from(path[..path.len().saturating_sub(1)].to_vec()))
        .collect();
    let caller_parent = call_path.is_path().then(|| {
        call_path[..call_path.len() - 1]
            .iter()
            .filter_map(|keys| match keys {
                KeySet::Key(key) => Some(key.clone()),
                _ => None,
            })
            .collect()
    });
    (parents, caller_parent)
}
