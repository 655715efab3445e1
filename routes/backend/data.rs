//! The catalog's data (CONTRACT.md §1): a pure function of a seed.
//!
//! Videos and lists are generated once, at start (a few milliseconds for
//! the defaults). What is per user (home rows, predicted ratings, the
//! starting "my list") is derived on demand from a hash of the seed and
//! the user, so that a thousand users or a million cost the same to start
//! and nothing of it is stored. This module knows no HTTP and keeps no
//! mutable state: what users change lives in the service.

use serde::Serialize;
use serde_json::value::{to_raw_value, RawValue};

use super::random::{hash, Rng};
use super::words::{ADJECTIVES, GENRES, LIST_ADJECTIVES, NOUNS, WORDS};
use super::Settings;

/// How many videos each user's "my list" starts with.
pub const MY_LIST_LENGTH: usize = 5;

/// Tags that keep the random streams of different purposes apart.
mod stream {
    pub(super) const VIDEO: u64 = 1;
    pub(super) const LIST: u64 = 2;
    pub(super) const ROWS: u64 = 3;
    pub(super) const RATING: u64 = 4;
    pub(super) const MY_LIST: u64 = 5;
}

/// One video of the catalog, serialized as the catalog service answers it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Video {
    /// Its id, `1..=videos`.
    pub id: u64,
    /// A title made of a few words.
    pub title: String,
    /// The release year, `1950..=2026`.
    pub year: u16,
    /// A few sentences, 100 to 300 characters (ASCII).
    pub synopsis: String,
    /// `https://img.example/boxshot/{id}.jpg`.
    pub boxshot: String,
    /// The running time in minutes.
    pub runtime: u16,
    /// The audience rating.
    pub maturity: Maturity,
}

/// The audience rating of a video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Maturity {
    /// `G`: general audiences.
    #[serde(rename = "G")]
    General,
    /// `PG`: parental guidance suggested.
    #[serde(rename = "PG")]
    ParentalGuidance,
    /// `PG-13`: parents strongly cautioned.
    #[serde(rename = "PG-13")]
    ParentsCautioned,
    /// `R`: restricted.
    #[serde(rename = "R")]
    Restricted,
    /// `TV-MA`: mature audiences only.
    #[serde(rename = "TV-MA")]
    MatureAudiences,
}

impl Maturity {
    const ALL: [Maturity; 5] = [
        Maturity::General,
        Maturity::ParentalGuidance,
        Maturity::ParentsCautioned,
        Maturity::Restricted,
        Maturity::MatureAudiences,
    ];
}

/// A list of videos (a home row), serialized as the lists service answers
/// it: `{"name": ..., "videos": [ids]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct List {
    /// The name shown above the row.
    pub name: String,
    /// Distinct video ids, in row order.
    pub videos: Vec<u64>,
}

/// A user known to the backend, `u1..=users`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct User(u32);

impl User {
    /// Its number: 17 for `u17`.
    pub fn number(self) -> u32 {
        self.0
    }
}

impl std::fmt::Display for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "u{}", self.0)
    }
}

/// All the data of the catalog for one seed and one set of counts.
#[derive(Debug, Clone)]
pub struct Catalog {
    seed: u64,
    videos: Vec<Video>,
    /// Each video as the catalog service sends it, serialized once: the
    /// benchmark runs the backend on the servers' own two cores, and
    /// writing the same videos again on every call was a fifth of its
    /// CPU, a cost no real catalog service puts on the graph server's
    /// machine.
    videos_json: Vec<Box<RawValue>>,
    lists: Vec<List>,
    users: u32,
    rows_per_user: usize,
}

/// Where video `id` (from 1) sits in the catalog's vectors.
fn video_index(id: u64) -> Option<usize> {
    usize::try_from(id.checked_sub(1)?).ok()
}

/// Equal catalogs hold the same data (the videos' JSON follows from the
/// videos).
impl PartialEq for Catalog {
    fn eq(&self, other: &Catalog) -> bool {
        self.seed == other.seed
            && self.videos == other.videos
            && self.lists == other.lists
            && self.users == other.users
            && self.rows_per_user == other.rows_per_user
    }
}

impl Catalog {
    /// Generates the catalog the data fields of `settings` describe
    /// (`seed`, `videos`, `lists`, `list_length`, `users`,
    /// `rows_per_user`). The same settings always give the same catalog.
    ///
    /// A list has at most `videos` entries and a user at most `lists`
    /// rows, since neither repeats an id.
    pub fn generate(settings: &Settings) -> Catalog {
        let seed = settings.seed;
        let videos: Vec<Video> = (1..=u64::from(settings.videos))
            .map(|id| generate_video(seed, id))
            .collect();
        // A struct of strings and numbers always serializes.
        let videos_json = videos
            .iter()
            .map(|video| to_raw_value(video).expect("a video serializes"))
            .collect();
        let lists = (1..=u64::from(settings.lists))
            .map(|number| generate_list(seed, number, settings))
            .collect();
        Catalog {
            seed,
            videos,
            videos_json,
            lists,
            users: settings.users,
            rows_per_user: settings.rows_per_user,
        }
    }

    /// Every video, in id order.
    pub fn videos(&self) -> &[Video] {
        &self.videos
    }

    /// The video with this id, if there is one.
    pub fn video(&self, id: u64) -> Option<&Video> {
        self.videos.get(video_index(id)?)
    }

    /// The video with this id as the catalog service's JSON, if there is
    /// one.
    pub fn video_json(&self, id: u64) -> Option<&RawValue> {
        self.videos_json.get(video_index(id)?).map(|json| &**json)
    }

    /// Every list, in id order (`list-1` first).
    pub fn lists(&self) -> &[List] {
        &self.lists
    }

    /// The list with this id (`list-17`), if there is one.
    pub fn list(&self, id: &str) -> Option<&List> {
        let number = parse_number(id.strip_prefix("list-")?)?;
        self.lists
            .get(usize::try_from(number).ok()?.checked_sub(1)?)
    }

    /// How many users there are.
    pub fn user_count(&self) -> u32 {
        self.users
    }

    /// The user this name (`u17`) names, if there is one.
    pub fn user(&self, name: &str) -> Option<User> {
        let number = u32::try_from(parse_number(name.strip_prefix('u')?)?).ok()?;
        (1..=self.users).contains(&number).then_some(User(number))
    }

    /// The user's home rows: distinct list ids, the same on every call.
    pub fn rows(&self, user: User) -> Vec<String> {
        let mut rng = Rng::new(&[self.seed, stream::ROWS, u64::from(user.0)]);
        rng.distinct(self.lists.len(), self.rows_per_user)
            .into_iter()
            .map(|index| format!("list-{}", index + 1))
            .collect()
    }

    /// The rating the user is predicted to give the video: `1.0..=5.0`
    /// with one decimal, derived from (seed, user, video), never stored.
    pub fn predicted_rating(&self, user: User, video: u64) -> f64 {
        let tenths = hash(&[self.seed, stream::RATING, u64::from(user.0), video]) % 41;
        // 10..=50 tenths divided by 10 gives the shortest decimal, as 4.2.
        (10 + tenths) as f64 / 10.0
    }

    /// The videos the user's "my list" starts with: [`MY_LIST_LENGTH`]
    /// distinct ids (fewer if the catalog is smaller).
    pub fn starting_my_list(&self, user: User) -> Vec<u64> {
        let mut rng = Rng::new(&[self.seed, stream::MY_LIST, u64::from(user.0)]);
        rng.distinct(self.videos.len(), MY_LIST_LENGTH)
            .into_iter()
            .map(|index| index as u64 + 1)
            .collect()
    }
}

/// A positive number written the one canonical way: digits only, no sign,
/// no leading zero, so that `u01` and `u+1` do not alias `u1`.
fn parse_number(text: &str) -> Option<u64> {
    let canonical = !text.starts_with('0') && text.bytes().all(|b| b.is_ascii_digit());
    if canonical {
        text.parse().ok()
    } else {
        None
    }
}

fn generate_video(seed: u64, id: u64) -> Video {
    let mut rng = Rng::new(&[seed, stream::VIDEO, id]);
    let title = match rng.between(0, 3) {
        0 => format!("The {} {}", rng.pick(ADJECTIVES), rng.pick(NOUNS)),
        1 => format!("{} {}", rng.pick(ADJECTIVES), rng.pick(NOUNS)),
        2 => format!(
            "The {} of the {} {}",
            rng.pick(NOUNS),
            rng.pick(ADJECTIVES),
            rng.pick(NOUNS)
        ),
        _ => format!("{} and the {}", rng.pick(NOUNS), rng.pick(NOUNS)),
    };
    Video {
        id,
        title,
        year: rng.between(1950, 2026) as u16,
        synopsis: synopsis(&mut rng),
        boxshot: format!("https://img.example/boxshot/{id}.jpg"),
        runtime: rng.between(75, 180) as u16,
        maturity: Maturity::ALL[rng.between(0, 4) as usize],
    }
}

/// Sentences of random words, 100 to 300 characters long.
fn synopsis(rng: &mut Rng) -> String {
    // Words are at most 10 characters: stopping at the first word that
    // reaches a target of at most 288 keeps the text, with its separator
    // and final period, within 300.
    let target = rng.between(100, 288) as usize;
    let mut text = String::with_capacity(target + 13);
    let mut sentence_start = true;
    while text.len() < target {
        if !text.is_empty() {
            text.push_str(if sentence_start { ". " } else { " " });
        }
        let word = rng.pick(WORDS);
        if sentence_start {
            let mut letters = word.chars();
            text.extend(letters.next().map(|first| first.to_ascii_uppercase()));
            text.push_str(letters.as_str());
        } else {
            text.push_str(word);
        }
        sentence_start = rng.between(0, 7) == 0;
    }
    text.push('.');
    text
}

fn generate_list(seed: u64, number: u64, settings: &Settings) -> List {
    let mut rng = Rng::new(&[seed, stream::LIST, number]);
    let name = format!("{} {}", rng.pick(LIST_ADJECTIVES), rng.pick(GENRES));
    let videos = rng
        .distinct(settings.videos as usize, settings.list_length)
        .into_iter()
        .map(|index| index as u64 + 1)
        .collect();
    List { name, videos }
}

#[cfg(test)]
mod tests;
