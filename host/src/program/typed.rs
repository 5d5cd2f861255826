//! Typed forwarding: a fast path for common signatures.
//!
//! Generic forwarding ([`super::link`]) defines each program import with `func_new`
//! and calls the tool with `Func::call`: every argument and result is lifted into a
//! `Val` tree and lowered again, type-checked at run time, twice per call. For the
//! signatures in [`define`]'s table (those the shipped tools and the study's servers
//! use most, every one returning `result<T, string>`) the import is defined with
//! `func_wrap` instead and the tool called through a `TypedFunc`, so values cross as
//! plain Rust values.
//!
//! Nothing is skipped on this path: the call is counted against the run's limit,
//! goes through the gates, runs under the tool's time, fuel, memory and storage
//! limits, has its result checked against the output limit, its labels recorded and
//! its trace kept, exactly as a generic call. `Val`s are built only when something
//! has to look at them: a gate with a rule for the function (or labels received, or
//! an audit log), a labelled result, a trace.

use wasmtime::component::types::ComponentFunc;
use wasmtime::component::{ComponentNamedList, ComponentType, Lift, LinkerInstance, Lower, Type, Val};

use super::forward::{RunState, ToolTarget};

/// A value type with a typed path: its WIT type, its `Val` and its size as the
/// output limit counts it ([`crate::values::size_of`]).
pub(crate) trait Value: ComponentType + Lift + Lower + Send + Sync + 'static {
    /// Whether `ty` is this type.
    fn is(ty: &Type) -> bool;
    /// The value as a `Val`, as wasmtime would have lifted it.
    fn to_val(&self) -> Val;
    /// Its size as [`crate::values::size_of`] counts it.
    fn size(&self) -> u64;
}

macro_rules! scalar {
    ($($rust:ty => $wit:ident, $size:expr;)*) => {$(
        impl Value for $rust {
            fn is(ty: &Type) -> bool {
                matches!(ty, Type::$wit)
            }
            fn to_val(&self) -> Val {
                Val::$wit(*self)
            }
            fn size(&self) -> u64 {
                $size
            }
        }
    )*};
}

scalar! {
    bool => Bool, 1;
    u32 => U32, 4;
    u64 => U64, 8;
    i64 => S64, 8;
    f64 => Float64, 8;
}

impl Value for String {
    fn is(ty: &Type) -> bool {
        matches!(ty, Type::String)
    }
    fn to_val(&self) -> Val {
        Val::String(self.clone())
    }
    fn size(&self) -> u64 {
        self.len() as u64
    }
}

impl<T: Value> Value for Option<T> {
    fn is(ty: &Type) -> bool {
        matches!(ty, Type::Option(o) if T::is(&o.ty()))
    }
    fn to_val(&self) -> Val {
        Val::Option(self.as_ref().map(|v| Box::new(v.to_val())))
    }
    fn size(&self) -> u64 {
        1 + self.as_ref().map_or(0, Value::size)
    }
}

impl<T: Value> Value for Vec<T> {
    fn is(ty: &Type) -> bool {
        matches!(ty, Type::List(l) if T::is(&l.ty()))
    }
    fn to_val(&self) -> Val {
        Val::List(self.iter().map(Value::to_val).collect())
    }
    fn size(&self) -> u64 {
        1 + self.iter().map(Value::size).sum::<u64>()
    }
}

/// The `T` of a `result<T, string>` with a typed path (`()` for `result<_, string>`).
pub(crate) trait OkType: ComponentType + Lift + Lower + Send + Sync + 'static {
    /// Whether `ty` (the result's `ok` type, `None` for none) is this type.
    fn is(ty: Option<Type>) -> bool;
    /// The `ok` payload as a `Val`.
    fn to_val(&self) -> Option<Box<Val>>;
    /// The payload's size.
    fn size(&self) -> u64;
}

impl OkType for () {
    fn is(ty: Option<Type>) -> bool {
        ty.is_none()
    }
    fn to_val(&self) -> Option<Box<Val>> {
        None
    }
    fn size(&self) -> u64 {
        0
    }
}

macro_rules! ok_value {
    ($($rust:ty),*) => {$(
        impl OkType for $rust {
            fn is(ty: Option<Type>) -> bool {
                ty.is_some_and(|ty| <$rust as Value>::is(&ty))
            }
            fn to_val(&self) -> Option<Box<Val>> {
                Some(Box::new(Value::to_val(self)))
            }
            fn size(&self) -> u64 {
                Value::size(self)
            }
        }
    )*};
}

ok_value!(bool, u32, u64, i64, f64, String, Option<String>, Vec<String>);

/// A function's parameters with a typed path: a tuple of [`Value`]s.
pub(crate) trait Params: ComponentNamedList + Lift + Lower + Send + Sync + 'static {
    /// Whether `types` are these parameters' types, in order.
    fn are(types: &[Type]) -> bool;
    /// The arguments as `Val`s.
    fn to_vals(&self) -> Vec<Val>;
}

macro_rules! params {
    ($(($($name:ident),*);)*) => {$(
        impl<$($name: Value),*> Params for ($($name,)*) {
            #[allow(non_snake_case, unused_variables, reason = "one binding per tuple member")]
            fn are(types: &[Type]) -> bool {
                match types {
                    [$($name),*] => true $(&& <$name as Value>::is($name))*,
                    _ => false,
                }
            }
            #[allow(non_snake_case, reason = "one binding per tuple member")]
            fn to_vals(&self) -> Vec<Val> {
                let ($($name,)*) = self;
                vec![$($name.to_val()),*]
            }
        }
    )*};
}

params! {
    ();
    (A);
    (A, B);
    (A, B, C);
}

/// The size of a call's result as the output limit counts it.
pub(crate) fn result_size<T: OkType>(result: &Result<T, String>) -> u64 {
    1 + match result {
        Ok(ok) => ok.size(),
        Err(e) => e.len() as u64,
    }
}

/// A call's result as a `Val`.
pub(crate) fn result_val<T: OkType>(result: &Result<T, String>) -> Val {
    Val::Result(match result {
        Ok(ok) => Ok(ok.to_val()),
        Err(e) => Err(Some(Box::new(Val::String(e.clone())))),
    })
}

/// Defines the program import `name` (of type `ty`, served by `target`) on the typed
/// path when its signature is in the table; `false` when it is not, and the caller
/// defines it generically.
///
/// # Errors
///
/// When wasmtime refuses the definition.
pub(super) fn define(
    linked: &mut LinkerInstance<'_, RunState>,
    name: &str,
    ty: &ComponentFunc,
    target: ToolTarget,
) -> wasmtime::Result<bool> {
    let params: Vec<Type> = ty.params().map(|(_, t)| t).collect();
    let ok = match ty.results().collect::<Vec<_>>().as_slice() {
        [Type::Result(r)] if matches!(r.err(), Some(Type::String)) => r.ok(),
        _ => return Ok(false),
    };
    // The table: the signatures most used by the shipped tools and the study's
    // servers (`func(...) -> result<T, string>`), each a `(params) -> T` below.
    macro_rules! table {
        ($(($($p:ty),*) -> $t:ty;)*) => {$(
            if <($($p,)*) as Params>::are(&params) && <$t as OkType>::is(ok.clone()) {
                define_as::<($($p,)*), $t>(linked, name, ty, target)?;
                return Ok(true);
            }
        )*};
    }
    table! {
        () -> u32;
        () -> u64;
        () -> String;
        () -> Vec<String>;
        (String) -> String;
        (String) -> Option<String>;
        (String) -> ();
        (String, String) -> String;
        (String, String) -> u32;
        (String, String) -> f64;
        (String, String) -> ();
        (String, i64) -> String;
        (String, i64, i64) -> String;
        (u32) -> u32;
        (u32) -> ();
        (f64) -> f64;
        (f64, f64) -> f64;
        (Vec<f64>) -> f64;
    }
    Ok(false)
}

fn define_as<P: Params, T: OkType>(
    linked: &mut LinkerInstance<'_, RunState>,
    name: &str,
    ty: &ComponentFunc,
    target: ToolTarget,
) -> wasmtime::Result<()> {
    let ty = ty.clone();
    linked.func_wrap(name, move |mut store, params: P| {
        store.data_mut().forward_typed::<P, T>(&target, &ty, params).map(|result| (result,))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_vals_agree_with_the_generic_path() {
        let results: [Result<Vec<String>, String>; 3] =
            [Ok(vec!["ab".into(), "cde".into()]), Ok(vec![]), Err("nope".into())];
        for result in &results {
            let val = result_val(result);
            assert_eq!(result_size(result), crate::values::size_of(&val), "{result:?}");
        }
        let unit: Result<(), String> = Ok(());
        assert_eq!(result_val(&unit), Val::Result(Ok(None)));
        assert_eq!(result_size(&unit), crate::values::size_of(&result_val(&unit)));
        let maybe: Result<Option<String>, String> = Ok(Some("x".into()));
        assert_eq!(result_size(&maybe), crate::values::size_of(&result_val(&maybe)));
        let args = ("k".to_owned(), 7_i64, -1.5_f64);
        assert_eq!(args.to_vals(), vec![Val::String("k".into()), Val::S64(7), Val::Float64(-1.5)]);
    }

    #[test]
    fn parameters_match_by_type_and_count() {
        assert!(<(String, i64) as Params>::are(&[Type::String, Type::S64]));
        assert!(!<(String, i64) as Params>::are(&[Type::String, Type::S32]));
        assert!(!<(String,) as Params>::are(&[Type::String, Type::String]));
        assert!(<() as Params>::are(&[]));
        assert!(<() as OkType>::is(None));
        assert!(!<u32 as OkType>::is(None));
        assert!(<u32 as OkType>::is(Some(Type::U32)));
    }
}
