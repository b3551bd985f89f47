//! JSON through the browser's own `JSON.parse` / `JSON.stringify` and serde-wasm-bindgen:
//! no JSON parser compiled into the bundle (serde_json would add ~45 KB of wasm).

use serde::Serialize;
use serde::de::DeserializeOwned;

pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let value = js_sys::JSON::parse(text).map_err(|_| "not JSON".to_string())?;
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}

pub fn to_string<T: Serialize>(value: &T) -> Result<String, String> {
    let value = value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| e.to_string())?;
    js_sys::JSON::stringify(&value)
        .map(String::from)
        .map_err(|_| "not serialisable".to_string())
}
