//! Checked options maps: every key a script passes in `#{ ... }` must be one the builder
//! accepts, and every value must have the type the builder expects.

use rhai::{Dynamic, Map};

use crate::error::BuilderError;
use crate::handles::{
    CertificateHandle, DatabaseHandle, FleetHandle, KeyringHandle, LevelHandle, LparHandle,
    ServerHandle, StackHandle,
};

/// The options map of one builder call, consumed key by key.
pub(crate) struct Options {
    builder: String,
    map: Map,
}

/// How a value reads in an error message ("a string", "a key ring", ...).
pub(crate) fn describe(value: &Dynamic) -> &'static str {
    if value.is_unit() {
        "nothing (`()`)"
    } else if value.is_string() || value.is_char() {
        "a string"
    } else if value.is_int() {
        "an integer"
    } else if value.is_float() {
        "a decimal number"
    } else if value.is_bool() {
        "a boolean"
    } else if value.is_array() {
        "an array"
    } else if value.is_map() {
        "an object map"
    } else if value.is::<FleetHandle>() {
        "a fleet"
    } else if value.is::<DatabaseHandle>() {
        "a security database"
    } else if value.is::<CertificateHandle>() {
        "a certificate"
    } else if value.is::<KeyringHandle>() {
        "a key ring"
    } else if value.is::<LevelHandle>() {
        "a security level"
    } else if value.is::<ServerHandle>() {
        "a z/OS Connect server"
    } else if value.is::<LparHandle>() {
        "an LPAR"
    } else if value.is::<StackHandle>() {
        "a TCP/IP stack"
    } else if value.is_fnptr() {
        "a function pointer"
    } else {
        "a value of another type"
    }
}

impl Options {
    /// Checks every key against `accepted`; the first unknown key (in key order) is the error.
    pub(crate) fn new(
        builder: &str,
        map: Map,
        accepted: &'static [&'static str],
    ) -> Result<Self, BuilderError> {
        if let Some(key) = map.keys().find(|key| !accepted.contains(&key.as_str())) {
            return Err(BuilderError::UnknownOption {
                builder: builder.to_owned(),
                key: key.to_string(),
                accepted: accepted.to_vec(),
            });
        }
        Ok(Options { builder: builder.to_owned(), map })
    }

    fn take(&mut self, key: &str) -> Option<Dynamic> {
        self.map.remove(key).filter(|value| !value.is_unit())
    }

    fn wrong(&self, key: &str, expected: &'static str, found: &Dynamic) -> BuilderError {
        BuilderError::WrongType {
            builder: self.builder.clone(),
            key: key.to_owned(),
            expected,
            found: describe(found),
        }
    }

    pub(crate) fn missing(&self, key: &str) -> BuilderError {
        BuilderError::Missing { builder: self.builder.clone(), key: key.to_owned() }
    }

    /// A value that must be present.
    pub(crate) fn required<T>(&self, key: &str, value: Option<T>) -> Result<T, BuilderError> {
        value.ok_or_else(|| self.missing(key))
    }

    pub(crate) fn string(&mut self, key: &str) -> Result<Option<String>, BuilderError> {
        match self.take(key) {
            None => Ok(None),
            Some(value) if value.is_string() || value.is_char() => Ok(Some(value.to_string())),
            Some(value) => Err(self.wrong(key, "a string", &value)),
        }
    }

    pub(crate) fn int(&mut self, key: &str) -> Result<Option<i64>, BuilderError> {
        match self.take(key) {
            None => Ok(None),
            Some(value) => {
                value.as_int().map(Some).map_err(|_| self.wrong(key, "an integer", &value))
            }
        }
    }

    pub(crate) fn bool(&mut self, key: &str) -> Result<Option<bool>, BuilderError> {
        match self.take(key) {
            None => Ok(None),
            Some(value) => {
                value.as_bool().map(Some).map_err(|_| self.wrong(key, "true or false", &value))
            }
        }
    }

    /// An array of strings; a single string is taken as an array of one.
    pub(crate) fn strings(&mut self, key: &str) -> Result<Option<Vec<String>>, BuilderError> {
        const EXPECTED: &str = "an array of strings";
        match self.take(key) {
            None => Ok(None),
            Some(value) if value.is_string() => Ok(Some(vec![value.to_string()])),
            Some(value) if value.is_array() => {
                let items =
                    value.clone().into_array().map_err(|_| self.wrong(key, EXPECTED, &value))?;
                items
                    .iter()
                    .map(|item| {
                        if item.is_string() || item.is_char() {
                            Ok(item.to_string())
                        } else {
                            Err(self.wrong(key, EXPECTED, item))
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some)
            }
            Some(value) => Err(self.wrong(key, EXPECTED, &value)),
        }
    }

    /// A nested options map, itself checked against its own accepted keys.
    pub(crate) fn nested(
        &mut self,
        key: &str,
        accepted: &'static [&'static str],
    ) -> Result<Option<Options>, BuilderError> {
        match self.take(key) {
            None => Ok(None),
            Some(value) if value.is_map() => {
                let map = value
                    .clone()
                    .try_cast::<Map>()
                    .ok_or_else(|| self.wrong(key, "an object map", &value))?;
                let name = format!("{}.{key}", self.builder);
                Options::new(&name, map, accepted).map(Some)
            }
            Some(value) => Err(self.wrong(key, "an object map `#{ ... }`", &value)),
        }
    }

    /// One word out of a fixed set, case-insensitive.
    pub(crate) fn word<T: Copy>(
        &mut self,
        key: &str,
        words: &[(&str, T)],
    ) -> Result<Option<T>, BuilderError> {
        match self.string(key)? {
            None => Ok(None),
            Some(found) => self.pick(key, &found, words).map(Some),
        }
    }

    /// Several words out of a fixed set, case-insensitive.
    pub(crate) fn words<T: Copy>(
        &mut self,
        key: &str,
        words: &[(&str, T)],
    ) -> Result<Option<Vec<T>>, BuilderError> {
        match self.strings(key)? {
            None => Ok(None),
            Some(found) => {
                found.iter().map(|f| self.pick(key, f, words)).collect::<Result<_, _>>().map(Some)
            }
        }
    }

    pub(crate) fn pick<T: Copy>(
        &self,
        key: &str,
        found: &str,
        words: &[(&str, T)],
    ) -> Result<T, BuilderError> {
        words
            .iter()
            .find(|(word, _)| word.eq_ignore_ascii_case(found.trim()))
            .map(|(_, value)| *value)
            .ok_or_else(|| BuilderError::NotAllowed {
                builder: self.builder.clone(),
                key: key.to_owned(),
                found: found.to_owned(),
                allowed: words.iter().map(|(word, _)| *word).collect::<Vec<_>>().join(", "),
            })
    }

    /// A handle of type `T` (turned into its name), or a name given as a string.
    pub(crate) fn handle_or_name<T: Clone + 'static>(
        &mut self,
        key: &str,
        expected: &'static str,
        name_of: impl Fn(&T) -> String,
    ) -> Result<Option<String>, BuilderError> {
        let Some(value) = self.take(key) else { return Ok(None) };
        if let Some(handle) = value.read_lock::<T>() {
            return Ok(Some(name_of(&handle)));
        }
        if value.is_string() {
            return Ok(Some(value.to_string()));
        }
        Err(self.wrong(key, expected, &value))
    }

    /// The raw value of an option, for builders that accept several shapes.
    pub(crate) fn raw(&mut self, key: &str) -> Option<Dynamic> {
        self.take(key)
    }

    pub(crate) fn wrong_type(
        &self,
        key: &str,
        expected: &'static str,
        found: &Dynamic,
    ) -> BuilderError {
        self.wrong(key, expected, found)
    }

    pub(crate) fn not_allowed(&self, key: &str, found: &str, allowed: &str) -> BuilderError {
        BuilderError::NotAllowed {
            builder: self.builder.clone(),
            key: key.to_owned(),
            found: found.to_owned(),
            allowed: allowed.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Dynamic)]) -> Map {
        pairs.iter().map(|(k, v)| ((*k).into(), v.clone())).collect()
    }

    #[test]
    fn unknown_keys_are_refused_with_the_key_named() {
        let err =
            Options::new("lpar", map(&[("secrity", Dynamic::from(1_i64))]), &["security_database"])
                .err()
                .map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("lpar() has no option `secrity`"));
    }

    #[test]
    fn values_of_the_wrong_type_name_the_key_and_both_types() {
        let mut opts = Options::new(
            "zos_connect_server",
            map(&[("http_port", Dynamic::from("9080"))]),
            &["http_port"],
        )
        .expect("known key");
        let err = opts.int("http_port").err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("option `http_port` of zos_connect_server() must be an integer, not a string")
        );
    }

    #[test]
    fn words_are_case_insensitive_and_checked() {
        let mut opts = Options::new(
            "x",
            map(&[("esm", Dynamic::from("RACF")), ("d", Dynamic::from("sideways"))]),
            &["esm", "d"],
        )
        .expect("known keys");
        assert_eq!(opts.word("esm", &[("racf", 1), ("acf2", 2)]).ok(), Some(Some(1)));
        let err = opts.word("d", &[("inbound", 1)]).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("option `d` of x() is `sideways`, which is not one of: inbound")
        );
    }

    #[test]
    fn a_single_string_is_an_array_of_one() {
        let mut opts =
            Options::new("x", map(&[("ou", Dynamic::from("ZCEE"))]), &["ou"]).expect("known key");
        assert_eq!(opts.strings("ou").ok(), Some(Some(vec!["ZCEE".to_owned()])));
    }
}
