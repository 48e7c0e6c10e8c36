//! `--set KEY=VALUE` parameters: the `params` map constant and the typed `param(name, default)`.

use std::collections::BTreeMap;
use std::sync::Arc;

use rhai::{Dynamic, Engine, ImmutableString, Map, NativeCallContext};

use crate::error::BuilderError;
use crate::options::{Call, Mistakes};

/// A parameter value as `params.KEY` shows it: an integer or boolean when it reads as one,
/// otherwise the string as given.
fn guess(value: &str) -> Dynamic {
    if let Ok(number) = value.trim().parse::<i64>() {
        return Dynamic::from(number);
    }
    match value.trim() {
        "true" => Dynamic::from(true),
        "false" => Dynamic::from(false),
        _ => Dynamic::from(value.to_owned()),
    }
}

/// The `params` map constant the script sees.
pub(crate) fn params_map(params: &BTreeMap<String, String>) -> Map {
    params.iter().map(|(key, value)| (key.as_str().into(), guess(value))).collect()
}

/// Registers `param(name, default)`: the `--set` value converted to the default's type, or the
/// default when the parameter was not set. A value that does not convert is recorded and the
/// default used, so the script goes on.
pub(crate) fn register(
    engine: &mut Engine,
    params: &BTreeMap<String, String>,
    mistakes: &Arc<Mistakes>,
) {
    let params = Arc::new(params.clone());

    let given = Arc::clone(&params);
    let found = Arc::clone(mistakes);
    engine.register_fn(
        "param",
        move |ctx: NativeCallContext, name: ImmutableString, default: i64| match given
            .get(name.as_str())
        {
            None => default,
            Some(value) => value.trim().parse::<i64>().unwrap_or_else(|_| {
                bad(&ctx, &found, &name, value, "an integer");
                default
            }),
        },
    );
    let given = Arc::clone(&params);
    let found = Arc::clone(mistakes);
    engine.register_fn(
        "param",
        move |ctx: NativeCallContext, name: ImmutableString, default: bool| match given
            .get(name.as_str())
            .map(|v| v.trim())
        {
            None => default,
            Some("true") => true,
            Some("false") => false,
            Some(value) => {
                bad(&ctx, &found, &name, value, "true or false");
                default
            }
        },
    );
    let given = Arc::clone(&params);
    engine.register_fn("param", move |name: ImmutableString, default: ImmutableString| {
        given.get(name.as_str()).map_or(default, |value| value.as_str().into())
    });
    let given = params;
    let found = Arc::clone(mistakes);
    engine.register_fn(
        "param",
        move |ctx: NativeCallContext, name: ImmutableString, default: f64| match given
            .get(name.as_str())
        {
            None => default,
            Some(value) => value.trim().parse::<f64>().unwrap_or_else(|_| {
                bad(&ctx, &found, &name, value, "a number");
                default
            }),
        },
    );
}

/// Records a parameter whose value does not convert, at the `param(..)` call.
fn bad(
    ctx: &NativeCallContext,
    mistakes: &Arc<Mistakes>,
    name: &str,
    value: &str,
    expected: &'static str,
) {
    let err = BuilderError::BadParam { name: name.to_owned(), value: value.to_owned(), expected };
    Call::new(ctx, mistakes).report(&err, &[], None);
}
