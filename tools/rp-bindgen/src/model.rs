//! A WIT definition as the back ends emit it: each function with the C shape it takes. `read.rs`
//! reads a WIT file into it, and refuses there everything the generator cannot bind, with the
//! file, line and construct.
//!
//! The shapes (the rules every back end follows):
//! - a world function of integers: a plain C function, no status, no panic possible;
//! - a resource is an opaque handle: `static func(..) -> result<R, error>` creates one through an
//!   out-param, and a generated `_free` frees it (NULL is a no-op);
//! - a method `func() -> list<rec>` is the resource's *table* of records, and `<rec>-count: func()
//!   -> u64` its size (a C `size_t`): both come from the implementation's one `&[Rec]`;
//! - a method `-> result<rec, error>` answers a view of a row of the table, `-> result<list<string>,
//!   error>` a string list owned by the resource, `-> result<list<rec>, error>` fills the caller's
//!   array of row pointers (with its capacity, and the count of matches);
//! - a method `-> result<list<option<rec>>, error>` is a batch: its one `list<string>` parameter
//!   holds the keys (an `rp_str_pack`), and it answers one row pointer per key (NULL: none) into
//!   the caller's array, in one call;
//! - parameters: `string` (a view, UTF-8 not yet checked), `list<u8>` (bytes), integers, and a
//!   batch's keys (`list<string>`);
//! - the `error` enum's cases are statuses of the C ABI (`rp_common.h`), by name.

use std::fmt::Write as _;

use semver::Version;
use wit_parser::Docs;

pub use crate::read::read;

/// The statuses an `error` enum case may name: `not-found` is `RP_NOT_FOUND`.
pub const STATUSES: &[&str] = &[
    "not-found",
    "invalid-argument",
    "invalid-utf8",
    "unknown-claim",
    "io",
    "parse",
    "buffer-too-small",
    "plugin-failed",
    "not-a-file",
    "too-large",
];

#[derive(Debug)]
pub struct Definition {
    /// The WIT file, as given in the binding file (for the "generated from" line).
    pub source: String,
    pub namespace: String,
    pub package: String,
    pub version: Version,
    pub docs: String,
    pub errors: Vec<Case>,
    pub records: Vec<Record>,
    pub functions: Vec<WorldFunction>,
    pub text_functions: Vec<TextFunction>,
    pub resources: Vec<Resource>,
}

#[derive(Debug)]
pub struct Case {
    pub name: String,
    pub docs: String,
}

#[derive(Debug)]
pub struct Record {
    pub name: String,
    pub docs: String,
    pub fields: Vec<Field>,
}

#[derive(Debug)]
pub struct Field {
    pub name: String,
    pub docs: String,
    pub ty: FieldType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    TextList,
}

/// An integer of WIT and its C, Rust and Go names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Int {
    U8,
    U16,
    U32,
    U64,
    S8,
    S16,
    S32,
    S64,
}

impl Int {
    pub fn wit(self) -> &'static str {
        match self {
            Int::U8 => "u8",
            Int::U16 => "u16",
            Int::U32 => "u32",
            Int::U64 => "u64",
            Int::S8 => "s8",
            Int::S16 => "s16",
            Int::S32 => "s32",
            Int::S64 => "s64",
        }
    }
    pub fn c(self) -> &'static str {
        match self {
            Int::U8 => "uint8_t",
            Int::U16 => "uint16_t",
            Int::U32 => "uint32_t",
            Int::U64 => "uint64_t",
            Int::S8 => "int8_t",
            Int::S16 => "int16_t",
            Int::S32 => "int32_t",
            Int::S64 => "int64_t",
        }
    }
    pub fn rust(self) -> &'static str {
        match self {
            Int::U8 => "u8",
            Int::U16 => "u16",
            Int::U32 => "u32",
            Int::U64 => "u64",
            Int::S8 => "i8",
            Int::S16 => "i16",
            Int::S32 => "i32",
            Int::S64 => "i64",
        }
    }
    pub fn go(self) -> &'static str {
        match self {
            Int::U8 => "uint8",
            Int::U16 => "uint16",
            Int::U32 => "uint32",
            Int::U64 => "uint64",
            Int::S8 => "int8",
            Int::S16 => "int16",
            Int::S32 => "int32",
            Int::S64 => "int64",
        }
    }
}

#[derive(Debug)]
pub struct WorldFunction {
    pub name: String,
    pub docs: String,
    pub params: Vec<(String, Int)>,
    pub result: Int,
}

/// A function answering a string (`-> result<string, error>`): the answer is a view into one of
/// its string arguments when it is a part of one (no copy), else a copy into the caller's buffer.
#[derive(Debug)]
pub struct TextFunction {
    pub name: String,
    pub docs: String,
    pub params: Vec<Param>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// `string`: a view whose UTF-8 the implementation checks when it needs to.
    Str,
    /// `list<u8>`.
    Bytes,
    /// `list<string>`: a batch's keys, packed (`rp_str_pack`).
    StrPack,
    Int(Int),
}

#[derive(Debug)]
pub struct Param {
    pub name: String,
    pub ty: ParamType,
}

#[derive(Debug)]
pub struct Resource {
    pub name: String,
    pub docs: String,
    pub members: Vec<Member>,
}

#[derive(Debug)]
pub struct Member {
    pub name: String,
    pub docs: String,
    /// The ABI minor version that added it (0: the first).
    pub since_minor: u64,
    pub params: Vec<Param>,
    pub shape: Shape,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// Creates the resource.
    Constructor,
    /// Frees it (generated, not in the WIT).
    Free,
    /// The table of records (the index of `Definition::records`).
    Table(usize),
    /// The table's size.
    Count(usize),
    /// One row of the table.
    Row(usize),
    /// A string list owned by the resource.
    TextList,
    /// Rows matching, into the caller's array.
    Rows(usize),
    /// A batch: one row or none per key, into the caller's array.
    Answers(usize),
}

impl Resource {
    /// The table's record, if the resource has one.
    pub fn table(&self) -> Option<usize> {
        self.members.iter().find_map(|m| match m.shape {
            Shape::Table(record) => Some(record),
            _ => None,
        })
    }

    /// Members in descriptor order: those of the first ABI version as declared (constructors,
    /// `free`, then methods), then those added by each minor version.
    pub fn abi_order(&self) -> Vec<&Member> {
        let mut members: Vec<&Member> = self.members.iter().collect();
        members.sort_by_key(|m| m.since_minor); // stable: declaration order within a version
        members
    }
}

impl Definition {
    /// Whether a resource has a batch (a member answering one row or none per key).
    pub fn has_batch(&self) -> bool {
        self.resources
            .iter()
            .flat_map(|r| &r.members)
            .any(|m| matches!(m.shape, Shape::Answers(_)))
    }
}

/// A WIT doc comment's text ("" without one).
pub fn docs(docs: &Docs) -> String {
    docs.contents.as_deref().unwrap_or("").trim().to_owned()
}

/// `text` as comment lines with `prefix` ("/// "), one per line of text; nothing for "".
pub fn comment(text: &str, prefix: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let _ = writeln!(out, "{}", format!("{prefix}{line}").trim_end());
    }
    out
}

/// A type of a C signature, which each back end spells in its language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CType {
    Int(Int),
    /// `size_t`.
    Size,
    /// `size_t *`.
    SizeOut,
    /// `rp_str`.
    Str,
    /// `rp_str *`.
    StrOut,
    /// `rp_str_list *`.
    StrListOut,
    /// `rp_str_pack`.
    StrPack,
    /// `char *`: a caller's buffer.
    Buffer,
    /// `const Handle *`.
    Handle,
    /// `Handle *`: the handle to free.
    HandleMut,
    /// `Handle **`: a constructor's out-param.
    HandleOut,
    /// `const Record *`: a table's rows.
    Rows(usize),
    /// `const Record **`: an out-param of rows.
    RowsOut(usize),
    /// `rp_status`.
    Status,
}

/// The C signature of a function: its parameters' types and its result's (None: void).
pub struct Signature {
    pub params: Vec<CType>,
    pub result: Option<CType>,
}

fn param_type(param: &Param) -> CType {
    match param.ty {
        ParamType::Str | ParamType::Bytes => CType::Str,
        ParamType::StrPack => CType::StrPack,
        ParamType::Int(int) => CType::Int(int),
    }
}

impl WorldFunction {
    pub fn signature(&self) -> Signature {
        Signature {
            params: self
                .params
                .iter()
                .map(|(_, int)| CType::Int(*int))
                .collect(),
            result: Some(CType::Int(self.result)),
        }
    }
}

impl TextFunction {
    pub fn signature(&self) -> Signature {
        let mut params: Vec<CType> = self.params.iter().map(param_type).collect();
        params.extend([CType::Buffer, CType::Size, CType::StrOut]);
        Signature {
            params,
            result: Some(CType::Status),
        }
    }
}

impl Member {
    /// A batch's keys: its `list<string>` parameter (the model allows one, only in a batch).
    pub fn keys(&self) -> Option<&Param> {
        self.params.iter().find(|p| p.ty == ParamType::StrPack)
    }

    /// The signature of the C function `<prefix><resource>_<member>`.
    pub fn signature(&self) -> Signature {
        let mut params = match self.shape {
            Shape::Constructor => Vec::new(),
            Shape::Free => vec![CType::HandleMut],
            _ => vec![CType::Handle],
        };
        params.extend(self.params.iter().map(param_type));
        let result = match self.shape {
            Shape::Constructor => {
                params.push(CType::HandleOut);
                Some(CType::Status)
            }
            Shape::Free => None,
            Shape::Count(_) => Some(CType::Size),
            Shape::Table(r) => Some(CType::Rows(r)),
            Shape::Row(r) => {
                params.push(CType::RowsOut(r));
                Some(CType::Status)
            }
            Shape::TextList => {
                params.push(CType::StrListOut);
                Some(CType::Status)
            }
            Shape::Rows(r) => {
                params.extend([CType::RowsOut(r), CType::Size, CType::SizeOut]);
                Some(CType::Status)
            }
            Shape::Answers(r) => {
                params.push(CType::RowsOut(r));
                Some(CType::Status)
            }
        };
        Signature { params, result }
    }
}
