//! The catalog's four backend services (workload/CONTRACT.md §2): where
//! each answers and how each is guarded, as the server's flags say.
//! `catalog::sources` gives them to the catalog's route files.

use peregrine::upstream::Settings;

/// Where each service answers: base URLs such as `http://127.0.0.1:9000`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// The catalog service (`/videos`).
    pub catalog: String,
    /// The lists service (`/rows`, `/lists`).
    pub lists: String,
    /// The ratings service (`/ratings`).
    pub ratings: String,
    /// The my list service (`/mylist`).
    pub my_list: String,
}

/// The guards of each service (see [`peregrine::upstream::Settings`] for
/// the defaults).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Guards {
    /// The catalog service's.
    pub catalog: Settings,
    /// The lists service's.
    pub lists: Settings,
    /// The ratings service's.
    pub ratings: Settings,
    /// The my list service's.
    pub my_list: Settings,
}

impl Guards {
    /// The same settings for every service.
    pub fn all(settings: &Settings) -> Guards {
        Guards {
            catalog: settings.clone(),
            lists: settings.clone(),
            ratings: settings.clone(),
            my_list: settings.clone(),
        }
    }

    /// The settings of the service called `name` (`catalog`, `lists`,
    /// `ratings` or `mylist`).
    pub fn service_mut(&mut self, name: &str) -> Option<&mut Settings> {
        match name {
            "catalog" => Some(&mut self.catalog),
            "lists" => Some(&mut self.lists),
            "ratings" => Some(&mut self.ratings),
            "mylist" => Some(&mut self.my_list),
            _ => None,
        }
    }
}

impl Endpoints {
    /// Every service at one base URL, as the demo backend serves them.
    pub fn all(base: &str) -> Endpoints {
        Endpoints {
            catalog: base.to_owned(),
            lists: base.to_owned(),
            ratings: base.to_owned(),
            my_list: base.to_owned(),
        }
    }
}
