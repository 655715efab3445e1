//! `Members`: a JSON body read with an object's members in order and
//! duplicates kept (serde_json's map would keep the last), so that a
//! parameter sent twice is refused, not silently overwritten.

use serde_json::Value as Json;

/// A JSON body: an object's members in order, duplicates kept, or any
/// other JSON value.
pub(super) enum Members {
    Object(Vec<(String, Json)>),
    Other(Json),
}

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Members, D::Error> {
        deserializer.deserialize_any(MembersVisitor)
    }
}

struct MembersVisitor;

impl<'de> serde::de::Visitor<'de> for MembersVisitor {
    type Value = Members;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object of parameters")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
        let mut fields = Vec::new();
        while let Some(member) = map.next_entry::<String, Json>()? {
            fields.push(member);
        }
        Ok(Members::Object(fields))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Members, A::Error> {
        let items =
            serde::Deserialize::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
        Ok(Members::Other(Json::Array(items)))
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Members, E> {
        Ok(Members::Other(Json::String(text.to_owned())))
    }

    fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<Members, E> {
        Ok(Members::Other(Json::Bool(value)))
    }

    fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Members, E> {
        Ok(Members::Other(Json::from(value)))
    }

    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Members, E> {
        Ok(Members::Other(Json::from(value)))
    }

    fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<Members, E> {
        Ok(Members::Other(Json::from(value)))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Members, E> {
        Ok(Members::Other(Json::Null))
    }
}
