//! HTTP requests and responses (`rp_http_plugin::layout`) against the byte-layout vectors the Go
//! gateway is held to as well (`rp-ffi-core/tests/layouts.json`;
//! `go-interop/gateway/layouts_test.go`): a request the gateway writes decodes here into its
//! fields, a response written here is the bytes the gateway reads.

use rp_http_plugin::layout::{encode_response, EncodedRequest};
use serde_json::Value;

#[path = "../../rp-ffi-core/tests/support/vectors.rs"]
mod vectors;

fn text(value: &Value) -> &str {
    value.as_str().expect("a string")
}

fn headers(vector: &Value) -> Vec<(String, String)> {
    vector["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .map(|pair| (text(&pair[0]).to_owned(), text(&pair[1]).to_owned()))
        .collect()
}

#[test]
fn requests_are_read_byte_for_byte() {
    for request in vectors::vectors()["requests"].as_array().expect("requests") {
        let bytes = vectors::bytes(request);
        let decoded = EncodedRequest::decode(&bytes).expect("a well-formed request");
        assert_eq!(decoded.method, text(&request["method"]).as_bytes());
        assert_eq!(decoded.path, text(&request["path"]).as_bytes());
        assert_eq!(decoded.body, text(&request["body"]).as_bytes());
        let got: Vec<(String, String)> = decoded
            .headers()
            .map(|(n, v)| {
                (
                    String::from_utf8(n.to_vec()).unwrap(),
                    String::from_utf8(v.to_vec()).unwrap(),
                )
            })
            .collect();
        assert_eq!(got, headers(request));
    }
}

#[test]
fn responses_are_written_byte_for_byte() {
    for response in vectors::vectors()["responses"]
        .as_array()
        .expect("responses")
    {
        let headers = headers(response);
        let mut out = Vec::new();
        encode_response(
            response["status"].as_u64().expect("a status") as u16,
            headers.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())),
            text(&response["body"]).as_bytes(),
            &mut out,
        );
        assert_eq!(out, vectors::bytes(response), "{response}");
    }
}
