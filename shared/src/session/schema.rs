//! Typed access to the document's raw values: every read of a path goes through these, and
//! turns a wrong type or a missing key into a [`SchemaError`] with its path.

use super::*;

pub(super) fn opt_str(v: Option<&str>) -> ScalarValue {
    match v {
        Some(s) => ScalarValue::Str(s.into()),
        None => ScalarValue::Null,
    }
}

pub(super) fn scalar(
    d: &AutoCommit,
    obj: &ObjId,
    key: &str,
) -> Result<Option<ScalarValue>, SchemaError> {
    match d.get(obj, key) {
        Ok(Some((Value::Scalar(s), _))) => Ok(Some(s.into_owned())),
        Ok(Some((Value::Object(_), _))) => {
            Err(schema_err(key, "an object where a value was expected"))
        }
        Ok(None) => Ok(None),
        Err(e) => Err(schema_err(key, e.to_string())),
    }
}

pub(super) fn obj_of(
    d: &AutoCommit,
    parent: &ObjId,
    key: &str,
    kind: ObjType,
) -> Result<ObjId, SchemaError> {
    match d.get(parent, key) {
        Ok(Some((Value::Object(t), id))) if t == kind => Ok(id),
        Ok(Some(_)) => Err(schema_err(key, format!("expected a {kind:?}"))),
        Ok(None) => Err(schema_err(key, "missing")),
        Err(e) => Err(schema_err(key, e.to_string())),
    }
}

pub(super) fn req_str(
    d: &AutoCommit,
    obj: &ObjId,
    key: &str,
    path: &str,
) -> Result<String, SchemaError> {
    as_req_str(
        scalar(d, obj, key).map_err(|e| schema_err(path, e.reason))?,
        path,
    )
}

pub(super) fn as_req_str(v: Option<ScalarValue>, path: &str) -> Result<String, SchemaError> {
    match v {
        Some(ScalarValue::Str(s)) => Ok(s.to_string()),
        Some(_) => Err(schema_err(path, "not a string")),
        None => Err(schema_err(path, "missing")),
    }
}

pub(super) fn as_opt_string(
    v: Option<ScalarValue>,
    path: &str,
) -> Result<Option<String>, SchemaError> {
    match v {
        Some(ScalarValue::Str(s)) => Ok(Some(s.to_string())),
        Some(ScalarValue::Null) | None => Ok(None),
        Some(_) => Err(schema_err(path, "not a string")),
    }
}

pub(super) fn req_int(
    d: &AutoCommit,
    obj: &ObjId,
    key: &str,
    path: &str,
) -> Result<i64, SchemaError> {
    opt_int(d, obj, key, path)?.ok_or_else(|| schema_err(path, "missing"))
}

pub(super) fn opt_int(
    d: &AutoCommit,
    obj: &ObjId,
    key: &str,
    path: &str,
) -> Result<Option<i64>, SchemaError> {
    as_opt_int(
        scalar(d, obj, key).map_err(|e| schema_err(path, e.reason))?,
        path,
    )
}

pub(super) fn as_opt_int(v: Option<ScalarValue>, path: &str) -> Result<Option<i64>, SchemaError> {
    match v {
        Some(ScalarValue::Int(i)) => Ok(Some(i)),
        Some(ScalarValue::Uint(u)) => i64::try_from(u)
            .map(Some)
            .map_err(|_| schema_err(path, "too large")),
        Some(ScalarValue::Timestamp(t)) => Ok(Some(t)),
        Some(ScalarValue::Null) | None => Ok(None),
        Some(_) => Err(schema_err(path, "not an integer")),
    }
}
