//! The Go binding through cgo: one cgo call per method (a C wrapper that also copies the thread's
//! last error message before Go can move the goroutine to another thread), strings in without
//! copies, answers as views (`XView` methods) or as Go values built once per row of the resource's
//! table and then returned with no allocation (the shared contract), lifetimes held with
//! `runtime.KeepAlive`, `Close`, and errors of the configured type (`errors.Is` against sentinels).

use std::fmt::Write as _;

use crate::config::{Config, Go};
use crate::model::{
    comment, Definition, FieldType, Member, Param, ParamType, Resource, Shape, TextFunction,
};
use crate::names::{camel, go_exported, go_local, last_word, snake};
use crate::Generated;

pub fn generate(definition: &Definition, config: &Config, go: &Go) -> anyhow::Result<Generated> {
    let mut writer = Writer {
        d: definition,
        config,
        go,
        cgo: String::new(),
        text: String::new(),
    };
    writer.file()?;
    Ok(Generated {
        path: config.resolve(&go.out),
        text: writer.finish(),
    })
}

struct Writer<'a> {
    d: &'a Definition,
    config: &'a Config,
    go: &'a Go,
    /// The C preamble: declarations, then wrappers.
    cgo: String,
    text: String,
}

/// The C wrapper of a function: the prefix `go` plus its C name.
fn wrapper(c_name: &str) -> String {
    format!("go_{c_name}")
}

/// Tells cgo that the C function `w` keeps no Go pointer and never calls back into Go.
fn no_escape(directives: &mut String, w: &str) {
    let _ = writeln!(directives, "#cgo noescape {w}\n#cgo nocallback {w}");
}

/// Declares the C wrapper `w` of `c`, which writes `c`'s status to `*status` and, when it fails
/// (`RP_BUFFER_TOO_SMALL` is not a failure here), copies the thread's message out within the same
/// C call (`go_fail`).
fn status_wrapper(
    directives: &mut String,
    wrappers: &mut String,
    (w, c): (&str, &str),
    c_params: &[String],
    c_args: &[String],
) {
    no_escape(directives, w);
    let _ = write!(
        wrappers,
        "\nstatic void {w}({}, rp_status *status, uintptr_t *message) {{\n\tif ((*status = {c}({})) != RP_OK && *status != RP_BUFFER_TOO_SMALL) go_fail(message);\n}}\n",
        c_params.join(", "),
        c_args.join(", "),
    );
}

/// A function's parameters as the generated code passes them: the C wrapper's parameters and the
/// arguments of its call, the Go parameters and the arguments of the cgo call, and the Go values
/// the call keeps alive (strings and bytes cross as views of them).
#[derive(Default)]
struct Lowered {
    c_params: Vec<String>,
    c_args: Vec<String>,
    go_params: Vec<String>,
    go_args: Vec<String>,
    keep: Vec<String>,
}

impl Lowered {
    fn param(&mut self, param: &Param) {
        let local = go_local(&param.name);
        let c_param = snake(&param.name);
        match param.ty {
            ParamType::Str => {
                self.c_params.push(format!("rp_str {c_param}"));
                self.go_params.push(format!("{local} string"));
                self.go_args.push(format!("str({local})"));
                self.keep.push(local);
            }
            ParamType::Bytes => {
                self.c_params.push(format!("rp_str {c_param}"));
                self.go_params.push(format!("{local} []byte"));
                self.go_args.push(format!("bytesView({local})"));
                self.keep.push(local);
            }
            ParamType::StrPack => {
                self.c_params.push(format!("rp_str_pack {c_param}"));
                self.go_params.push(format!("{local} []string"));
                self.go_args.push("packed".into()); // the batch packs its keys first
            }
            ParamType::Int(int) => {
                self.c_params.push(format!("{} {c_param}", int.c()));
                self.go_params.push(format!("{local} {}", int.go()));
                self.go_args.push(format!("C.{}({local})", int.c()));
            }
        }
        self.c_args.push(c_param);
    }

    /// The calls that keep the Go values alive past the cgo call, a line each.
    fn keep_alive(&self) -> String {
        self.keep
            .iter()
            .map(|k| format!("\truntime.KeepAlive({k})\n"))
            .collect()
    }
}

impl Writer<'_> {
    fn c_name(&self, kebab: &str) -> String {
        self.config
            .c
            .names
            .get(kebab)
            .cloned()
            .unwrap_or_else(|| format!("{}{}", self.config.c.prefix, snake(kebab)))
    }

    /// The Go type of a record's Go values.
    fn record_type(&self, record: usize) -> String {
        let name = &self.d.records[record].name;
        self.go
            .records
            .get(name)
            .map(|r| r.ty.clone())
            .unwrap_or_else(|| camel(name))
    }

    /// The Go field path of a record field.
    fn field_path(&self, record: usize, field: &str) -> String {
        self.go
            .records
            .get(&self.d.records[record].name)
            .and_then(|r| r.fields.get(field).cloned())
            .unwrap_or_else(|| go_exported(field))
    }

    fn finish(self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "// Code generated by rp-bindgen from {}. DO NOT EDIT.\n",
            self.d.source
        );
        let _ = writeln!(out, "package {}\n", self.go.package);
        out.push_str("/*\n");
        let _ = writeln!(out, "#cgo CFLAGS: -I${{SRCDIR}}/{}", self.go.include_dir);
        out.push_str("// The wrappers neither keep Go pointers nor call back into Go; saying so lets cgo leave the Go\n");
        out.push_str("// arguments (strings, out-params, the message buffer) on the goroutine's stack (Go 1.24+).\n");
        out.push_str(&self.cgo);
        out.push_str("*/\nimport \"C\"\n\n");
        out.push_str(&self.text);
        out
    }

    fn file(&mut self) -> anyhow::Result<()> {
        let d = self.d;
        let mut directives = String::new();
        let mut wrappers = String::new();
        let _ = write!(
            wrappers,
            r#"#include <stdlib.h>
#include <string.h>
#include "{header}"

// The thread's last error message is per OS thread, and Go may move a goroutine to another thread
// right after a cgo call returns. So a wrapper that fails copies the message within the same C
// call, into memory of its own that the Go side frees. A call that succeeds pays nothing for it:
// a buffer of the caller's would be zeroed by Go on every call (about 10 ns for 512 bytes), and
// an out-param of pointer type would make cgo check it on every call; the address travels as an
// integer instead.
//
// The wrappers of fallible functions return nothing: the status comes back through a pointer
// to a Go variable, which cgo neither checks (it holds no pointers) nor moves to the heap
// (noescape). A C function that returns a value costs two _cgo_topofstack calls more per call,
// about 2.5 ns here. RP_BUFFER_TOO_SMALL is an answer the Go side acts on (a larger buffer, a
// count), not an error it reports: no message is copied for it, which nothing would free.
static void go_fail(uintptr_t *message) {{
	*message = (uintptr_t)strdup({p}last_error_message());
}}

// The text of a message go_fail copied, and its release.
static const char *go_message_text(uintptr_t message) {{ return (const char *)message; }}
static void go_message_free(uintptr_t message) {{ free((void *)message); }}
"#,
            header = self.go.header,
            p = self.config.c.prefix,
        );
        let mut imports = vec!["\"runtime\"".to_owned(), "\"unsafe\"".to_owned()];
        if !d.resources.is_empty() {
            imports.extend(["\"fmt\"".to_owned(), "\"sync/atomic\"".to_owned()]);
        }
        if d.has_batch() {
            imports.extend(["\"slices\"".to_owned(), "\"sync\"".to_owned()]);
        }
        imports.sort();
        // The standard library's, then the binding file's (goimports' grouping).
        let mut own: Vec<String> = self.go.imports.iter().map(|i| format!("\"{i}\"")).collect();
        own.sort();
        let _ = writeln!(self.text, "import (");
        for import in &imports {
            let _ = writeln!(self.text, "\t{import}");
        }
        if !own.is_empty() {
            let _ = writeln!(self.text);
            for import in &own {
                let _ = writeln!(self.text, "\t{import}");
            }
        }
        let _ = writeln!(self.text, ")\n");
        let _ = write!(
            self.text,
            r#"// message receives a failed call's message: the address of C memory its C wrapper allocated (0 if
// it could not).
type message C.uintptr_t

// error copies the message out and frees it.
func (m message) error(status C.rp_status) error {{
	text := "(no message: the C wrapper could not copy it)"
	if m != 0 {{
		text = C.GoString(C.go_message_text(C.uintptr_t(m)))
		C.go_message_free(C.uintptr_t(m))
	}}
	return &{error}{{Status: int(status), Message: text}}
}}

// str is a view of s for the duration of one call: no copy, no NUL needed.
func str(s string) C.rp_str {{
	return C.rp_str{{ptr: (*C.char)(unsafe.Pointer(unsafe.StringData(s))), len: C.size_t(len(s))}}
}}
"#,
            error = self.go.error,
        );
        let any_bytes = d
            .text_functions
            .iter()
            .flat_map(|f| &f.params)
            .chain(
                d.resources
                    .iter()
                    .flat_map(|r| r.members.iter().flat_map(|m| &m.params)),
            )
            .any(|p| p.ty == ParamType::Bytes);
        if any_bytes {
            self.text.push_str(BYTES_VIEW);
        }
        if d.has_batch() {
            self.text.push_str(KEY_PACK);
        }
        if !d.resources.is_empty() {
            self.text.push_str(ARENA);
        }
        if !d.text_functions.is_empty() {
            self.text.push_str(ANSWER_STRING);
        }
        for function in &d.text_functions {
            self.text_function(function, &mut directives, &mut wrappers);
        }
        for function in &d.functions {
            let c = self.c_name(&function.name);
            let w = wrapper(&c);
            no_escape(&mut directives, &w);
            let params: Vec<String> = function
                .params
                .iter()
                .map(|(n, t)| format!("{} {}", t.c(), snake(n)))
                .collect();
            let args: Vec<String> = function.params.iter().map(|(n, _)| snake(n)).collect();
            let _ = write!(
                wrappers,
                "\n// {c} under another name, so that cgo's nocallback/noescape apply to the call.\nstatic inline {} {w}({}) {{ return {c}({}); }}\n",
                function.result.c(),
                params.join(", "),
                args.join(", ")
            );
            let go_params: Vec<String> = function
                .params
                .iter()
                .map(|(n, t)| format!("{} {}", go_local(n), t.go()))
                .collect();
            let go_args: Vec<String> = function
                .params
                .iter()
                .map(|(n, t)| format!("C.{}({})", t.c(), go_local(n)))
                .collect();
            let _ = write!(
                self.text,
                "\n{}func {}({}) {} {{\n\treturn {}(C.{w}({}))\n}}\n",
                comment(
                    &go_docs(&function.docs, &go_exported(&function.name)),
                    "// "
                ),
                go_exported(&function.name),
                go_params.join(", "),
                function.result.go(),
                function.result.go(),
                go_args.join(", ")
            );
        }
        for resource in &d.resources {
            self.resource(resource, &mut directives, &mut wrappers)?;
        }
        self.cgo = directives + &wrappers;
        Ok(())
    }

    /// A function answering a string: one call with a buffer on the stack, a second with one on the
    /// heap when the answer is larger (and not a part of an argument).
    fn text_function(
        &mut self,
        function: &TextFunction,
        directives: &mut String,
        wrappers: &mut String,
    ) {
        let c = self.c_name(&function.name);
        let w = wrapper(&c);
        let name = go_exported(&function.name);
        let mut lowered = Lowered::default();
        for param in &function.params {
            lowered.param(param);
        }
        // The string arguments an answer may be a part of.
        let strings: Vec<String> = function
            .params
            .iter()
            .filter(|param| param.ty == ParamType::Str)
            .map(|param| go_local(&param.name))
            .collect();
        let mut c_params = lowered.c_params.clone();
        c_params.extend([
            "char *buffer".to_owned(),
            "size_t buffer_capacity".into(),
            "rp_str *answer".into(),
        ]);
        let mut c_args = lowered.c_args.clone();
        c_args.extend([
            "buffer".to_owned(),
            "buffer_capacity".into(),
            "answer".into(),
        ]);
        status_wrapper(directives, wrappers, (&w, &c), &c_params, &c_args);
        let _ = write!(
            self.text,
            r#"
{docs}//
// An answer that is a part of a string argument is returned as a substring of it: no copy, no
// allocation. Another answer is copied once.
func {name}({params}) (string, error) {{
	var buffer [256]byte
	var answer C.rp_str
	var status C.rp_status
	var msg message
	C.{w}({args}, (*C.char)(unsafe.Pointer(&buffer[0])), C.size_t(len(buffer)), &answer, &status, (*C.uintptr_t)(&msg))
	var owned []byte
	if status == C.RP_BUFFER_TOO_SMALL {{
		owned = make([]byte, answer.len)
		C.{w}({args}, (*C.char)(unsafe.Pointer(unsafe.SliceData(owned))), C.size_t(len(owned)), &answer, &status, (*C.uintptr_t)(&msg))
	}}
{keep}	if status != C.RP_OK {{
		return "", msg.error(status)
	}}
	return answerString(answer, owned, {strings}), nil
}}
"#,
            docs = comment(&go_docs(&function.docs, &name), "// "),
            params = lowered.go_params.join(", "),
            args = lowered.go_args.join(", "),
            keep = lowered.keep_alive(),
            strings = strings.join(", "),
        );
    }

    fn resource(
        &mut self,
        resource: &Resource,
        directives: &mut String,
        wrappers: &mut String,
    ) -> anyhow::Result<()> {
        let d = self.d;
        let handle = self.c_name(&resource.name);
        let go_type = camel(&resource.name);
        let table = resource.table();
        // The type and its life cycle.
        let (table_fields, table_init) = match table {
            Some(record) => {
                let rows = self.c_name(&format!(
                    "{}-{}",
                    resource.name,
                    member_named(resource, Shape::Table(record))
                ));
                let count = self.c_name(&format!(
                    "{}-{}-count",
                    resource.name, d.records[record].name
                ));
                for c in [&rows, &count] {
                    no_escape(directives, c);
                }
                (
                    format!(
                        "\t// table is the rows, in Rust memory: every answer is one of them, and its distance from\n\t// the first is its index.\n\ttable []C.{}\n\t// shared[i] is row i as Go values, built on first use.\n\tshared []atomic.Pointer[{}]\n",
                        self.c_name(&d.records[record].name),
                        self.record_type(record)
                    ),
                    format!(
                        "\t\ttable:  unsafe.Slice(C.{rows}(h), C.{count}(h)),\n\t\tshared: make([]atomic.Pointer[{}], C.{count}(h)),\n",
                        self.record_type(record)
                    ),
                )
            }
            None => (String::new(), String::new()),
        };
        let _ = write!(
            self.text,
            r#"
{docs}//
// Any number of goroutines may use one {go_type} at once, and call Close at any time: Close marks it
// closed (later calls, and views taken before, return {closed}), and the Rust memory is freed once
// nothing refers to the {go_type} any more (the next garbage collection after that), so a call racing
// with Close reads live memory or gets {closed}, never freed memory. Go values of the shared
// contract are Go memory and stay valid after Close.
type {go_type} struct {{
	handle *C.{handle}
	closed atomic.Bool
{table_fields}}}

// freed{go_type}s counts the handles freed by the garbage collector (read by the tests).
var freed{go_type}s atomic.Int64

func new{go_type}(h *C.{handle}) *{go_type} {{
	m := &{go_type}{{
		handle: h,
{table_init}	}}
	runtime.AddCleanup(m, func(h *C.{handle}) {{
		C.{handle}_free(h)
		freed{go_type}s.Add(1)
	}}, h)
	return m
}}

// Close marks the {go_type} closed: every later call, and every view taken from it, returns
// {closed}. The Rust memory is freed when nothing refers to it any more. Safe to call more than
// once, and concurrently with calls.
func (m *{go_type}) Close() {{ m.closed.Store(true) }}

func (m *{go_type}) check() error {{
	if m.closed.Load() {{
		return {closed}
	}}
	return nil
}}

// address is the handle as the C wrappers take it: an integer (C memory, which cgo need not check).
func (m *{go_type}) address() C.uintptr_t {{ return C.uintptr_t(uintptr(unsafe.Pointer(m.handle))) }}
"#,
            docs = comment(&go_docs(&resource.docs, &go_type), "// "),
            closed = self.go.closed,
        );
        no_escape(directives, &format!("{handle}_free"));
        if let Some(record) = table {
            self.views(resource, record);
        }
        for member in &resource.members {
            self.member(resource, member, &handle, &go_type, directives, wrappers)?;
        }
        Ok(())
    }

    /// The view of a table's row, its Copy and Shared, and the record's copy into Go values.
    /// A Go struct for a record not bound to an existing Go type (`[go.records]`): its fields in Go
    /// style, `string` and `[]string`.
    fn record_struct(&mut self, record: usize) {
        let r = &self.d.records[record];
        if self.go.records.contains_key(&r.name) {
            return;
        }
        let _ = write!(
            self.text,
            "\n{}type {} struct {{\n",
            comment(&go_docs(&r.docs, &camel(&r.name)), "// "),
            camel(&r.name)
        );
        for field in &r.fields {
            let _ = write!(self.text, "{}", comment(&field.docs, "\t// "));
            let ty = match field.ty {
                FieldType::Text => "string",
                FieldType::TextList => "[]string",
            };
            let _ = writeln!(self.text, "\t{} {ty}", go_exported(&field.name));
        }
        self.text.push_str("}\n");
    }

    fn views(&mut self, resource: &Resource, record: usize) {
        self.record_struct(record);
        let d = self.d;
        let go_type = camel(&resource.name);
        let r = &d.records[record];
        let view = format!("{}View", camel(&r.name));
        let value = self.record_type(record);
        let c_record = self.c_name(&r.name);
        let texts: Vec<String> = r
            .fields
            .iter()
            .filter(|f| f.ty == FieldType::Text)
            .map(|f| format!("u.{}", snake(&f.name)))
            .collect();
        let lists: Vec<String> = r
            .fields
            .iter()
            .filter(|f| f.ty == FieldType::TextList)
            .map(|f| format!("unsafe.Slice(u.{0}.ptr, u.{0}.len)", snake(&f.name)))
            .collect();
        let mut assignments = String::new();
        for field in &r.fields {
            let path = self.field_path(record, &field.name);
            let c = snake(&field.name);
            match field.ty {
                FieldType::Text => {
                    let _ = writeln!(assignments, "\tvalue.{path} = strings.copy(u.{c})");
                }
                FieldType::TextList => {
                    let _ = writeln!(
                        assignments,
                        "\tvalue.{path} = make([]string, u.{c}.len)\n\tfor i, s := range unsafe.Slice(u.{c}.ptr, u.{c}.len) {{\n\t\tvalue.{path}[i] = strings.copy(s)\n\t}}"
                    );
                }
            }
        }
        let lists_arg = if lists.is_empty() {
            String::new()
        } else {
            format!(", {}", lists.join(", "))
        };
        let _ = write!(
            self.text,
            r#"
// {view} is a row of a {go_type} as Rust holds it: the bare call's answer, not copied. It keeps its
// {go_type} alive; after Close its methods return {closed}.
type {view} struct {{
	row *C.{c_record}
	m   *{go_type}
}}

// Copy returns the row as Go values that own their memory (see copy{view}).
func (v {view}) Copy() (*{value}, error) {{
	if v.m == nil {{
		return nil, errZero{view}
	}}
	if err := v.m.check(); err != nil {{
		return nil, err
	}}
	value := copy{view}(v.row)
	runtime.KeepAlive(v.m)
	return value, nil
}}

// Shared returns the row under the shared contract: its {go_type}'s Go values of it, built on first
// use. The caller must not modify them.
func (v {view}) Shared() (*{value}, error) {{
	if v.m == nil {{
		return nil, errZero{view}
	}}
	return v.m.shared{view}(uintptr(unsafe.Pointer(v.row)))
}}

// Index returns the row's position in its {go_type}'s table (file order): the key of a caller's own
// per-row cache, when it builds Go values of another type than {value} once per row.
func (v {view}) Index() (int, error) {{
	if v.m == nil {{
		return 0, errZero{view}
	}}
	return v.m.index{view}(uintptr(unsafe.Pointer(v.row)))
}}

var errZero{view} = fmt.Errorf("%w: a zero {view}, not one a {go_type} returned", {invalid})

// index{view} returns the position in m's table of the row at address. The plugin answered the
// address: one that is not a row of the table (outside it, or between two rows) is refused, never
// read.
func (m *{go_type}) index{view}(address uintptr) (int, error) {{
	offset := address - uintptr(unsafe.Pointer(unsafe.SliceData(m.table)))
	size := unsafe.Sizeof(C.{c_record}{{}})
	if offset%size != 0 || offset/size >= uintptr(len(m.table)) {{
		return 0, err{view}OutsideTable
	}}
	return int(offset / size), nil
}}

var err{view}OutsideTable = fmt.Errorf("%w: the plugin answered a row outside its table", {invalid})

// shared{view} returns the Go values of the row at address, one of m's rows, building them the
// first time.
func (m *{go_type}) shared{view}(address uintptr) (*{value}, error) {{
	if err := m.check(); err != nil {{
		return nil, err
	}}
	index, err := m.index{view}(address)
	if err != nil {{
		return nil, err
	}}
	return m.shared{view}At(index), nil
}}

// shared{view}At returns the Go values of row index of m's table, building them the first time.
// Small enough to be inlined: building the values is a call of its own.
func (m *{go_type}) shared{view}At(index int) *{value} {{
	value := m.shared[index].Load()
	if value == nil {{
		value = m.build{view}(index)
	}}
	return value
}}

// build{view} builds the Go values of row index, unless another goroutine did first.
func (m *{go_type}) build{view}(index int) *{value} {{
	slot := &m.shared[index]
	value := copy{view}(&m.table[index])
	runtime.KeepAlive(m)
	if !slot.CompareAndSwap(nil, value) {{
		value = slot.Load() // another goroutine built it first: every caller gets the same values
	}}
	return value
}}

// copy{view} returns u as Go values that own their memory: three allocations (the value, one buffer
// for all its strings, each list). The caller keeps u's {go_type} alive.
func copy{view}(u *C.{c_record}) *{value} {{
	strings := newArena([]C.rp_str{{{texts}}}{lists_arg})
	value := new({value})
{assignments}	return value
}}
"#,
            closed = self.go.closed,
            invalid = self.go.invalid_argument,
            texts = texts.join(", "),
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn member(
        &mut self,
        resource: &Resource,
        member: &Member,
        handle: &str,
        go_type: &str,
        directives: &mut String,
        wrappers: &mut String,
    ) -> anyhow::Result<()> {
        let d = self.d;
        let c = self.c_name(&format!("{}-{}", resource.name, member.name));
        let w = wrapper(&c);
        let name = go_exported(&member.name);
        let mut lowered = Lowered::default();
        if member.shape != Shape::Constructor {
            // The handle is C memory: it travels as an integer, which cgo does not check at run
            // time (a pointer argument costs a cgoCheckPointer call on every call).
            lowered.c_params.push("uintptr_t h".into());
            lowered.c_args.push(format!("(const {handle} *)h"));
            lowered.go_args.push("m.address()".into());
        }
        for param in &member.params {
            lowered.param(param);
        }
        let keep_alive = lowered.keep_alive();
        let Lowered {
            c_params,
            c_args,
            go_params,
            mut go_args,
            ..
        } = lowered;
        let docs = go_docs(&member.docs, &name);
        let mut declare_wrapper = |c_params: &[String], c_args: &[String]| {
            status_wrapper(directives, wrappers, (&w, &c), c_params, c_args);
        };
        match member.shape {
            Shape::Free | Shape::Table(_) => {}
            Shape::Count(_) => {
                let _ = write!(
                    self.text,
                    "\n{}func (m *{go_type}) {name}() int {{ return len(m.shared) }}\n",
                    comment(&docs, "// ")
                );
            }
            Shape::Constructor => {
                let mut params = c_params.clone();
                params.push(format!("{handle} **out"));
                let mut args = c_args.clone();
                args.push("out".into());
                declare_wrapper(&params, &args);
                go_args.push("&h".into());
                let _ = write!(
                    self.text,
                    r#"
{docs}func {name}({params}) (*{go_type}, error) {{
	var h *C.{handle}
	var status C.rp_status
	var msg message
	C.{w}({args}, &status, (*C.uintptr_t)(&msg))
{keep_alive}	if status != C.RP_OK {{
		return nil, msg.error(status)
	}}
	return new{go_type}(h), nil
}}
"#,
                    docs = comment(&docs, "// "),
                    params = go_params.join(", "),
                    args = go_args.join(", "),
                );
            }
            Shape::Row(record) => {
                let c_record = self.c_name(&d.records[record].name);
                let view = format!("{}View", camel(&d.records[record].name));
                let value = self.record_type(record);
                // The row comes back as an integer: an out-param of pointer type would cost a
                // cgoCheckPointer call on every call. It is the plugin's answer, so it is checked
                // against the table, and the view is made from the table, never from the answer.
                no_escape(directives, &w);
                let _ = write!(
                    wrappers,
                    "\nstatic void {w}({}, uintptr_t *row, rp_status *status, uintptr_t *message) {{\n\tconst {c_record} *answer = NULL;\n\tif ((*status = {c}({}, &answer)) == RP_OK) *row = (uintptr_t)answer; else go_fail(message);\n}}\n",
                    c_params.join(", "),
                    c_args.join(", "),
                );
                let lower = go_local(&member.name);
                let locals: Vec<String> = member.params.iter().map(|p| go_local(&p.name)).collect();
                let _ = write!(
                    self.text,
                    r#"
// {lower} calls {c}. It returns the position of the row that call
// answers, checked against the table.
func (m *{go_type}) {lower}({params}) (int, error) {{
	if err := m.check(); err != nil {{
		return 0, err
	}}
	var row C.uintptr_t
	var status C.rp_status
	var msg message
	C.{w}({args}, &row, &status, (*C.uintptr_t)(&msg))
{keep_alive}	runtime.KeepAlive(m)
	if status != C.RP_OK {{
		return 0, msg.error(status)
	}}
	return m.index{view}(uintptr(row))
}}

{docs_view}func (m *{go_type}) {name}View({params}) ({view}, error) {{
	index, err := m.{lower}({locals})
	if err != nil {{
		return {view}{{}}, err
	}}
	return {view}{{&m.table[index], m}}, nil
}}

{docs}//
// The answer is shared: built once per row, then returned with no allocation. The caller must
// not modify it.
func (m *{go_type}) {name}({params}) (*{value}, error) {{
	index, err := m.{lower}({locals})
	if err != nil {{
		return nil, err
	}}
	return m.shared{view}At(index), nil
}}
"#,
                    docs_view = comment(
                        &format!(
                            "{name}View is {name} without copying the answer: a view of the row."
                        ),
                        "// "
                    ),
                    docs = comment(&docs, "// "),
                    params = go_params.join(", "),
                    args = go_args.join(", "),
                    locals = locals.join(", "),
                );
            }
            Shape::TextList => {
                let view = format!("{}View", go_exported(last_word(&member.name)));
                let mut params = c_params.clone();
                params.push("rp_str_list *out".into());
                let mut args = c_args.clone();
                args.push("out".into());
                declare_wrapper(&params, &args);
                go_args.push("&list".into());
                let locals: Vec<String> = member.params.iter().map(|p| go_local(&p.name)).collect();
                let _ = write!(
                    self.text,
                    r#"
// {view} is a string list as Rust holds it. It keeps its {go_type} alive; after Close its Copy
// returns {closed}.
type {view} struct {{
	list C.rp_str_list
	m    *{go_type}
}}

// Len is the number of strings.
func (v {view}) Len() int {{ return int(v.list.len) }}

// Copy returns the strings as Go strings that own their bytes (one allocation for all of them).
func (v {view}) Copy() ([]string, error) {{
	if v.m == nil {{
		return nil, fmt.Errorf("%w: a zero {view}, not one a {go_type} returned", {invalid})
	}}
	if err := v.m.check(); err != nil {{
		return nil, err
	}}
	strs := copyStrings(unsafe.Slice(v.list.ptr, v.list.len))
	runtime.KeepAlive(v.m)
	return strs, nil
}}

// {name}View is {name} without copying the answer.
func (m *{go_type}) {name}View({params}) ({view}, error) {{
	if err := m.check(); err != nil {{
		return {view}{{}}, err
	}}
	var list C.rp_str_list
	var status C.rp_status
	var msg message
	C.{w}({args}, &status, (*C.uintptr_t)(&msg))
{keep_alive}	runtime.KeepAlive(m)
	if status != C.RP_OK {{
		return {view}{{}}, msg.error(status)
	}}
	return {view}{{list, m}}, nil
}}

{docs}//
// The answer is the caller's own copy.
func (m *{go_type}) {name}({params}) ([]string, error) {{
	view, err := m.{name}View({locals})
	if err != nil {{
		return nil, err
	}}
	return view.Copy()
}}
"#,
                    docs = comment(&docs, "// "),
                    params = go_params.join(", "),
                    args = go_args.join(", "),
                    locals = locals.join(", "),
                    closed = self.go.closed,
                    invalid = self.go.invalid_argument,
                );
            }
            Shape::Rows(record) => {
                let c_record = self.c_name(&d.records[record].name);
                let view = format!("{}View", camel(&d.records[record].name));
                let value = self.record_type(record);
                let mut params = c_params.clone();
                params.push(format!(
                    "const {c_record} **rows, size_t row_capacity, size_t *count"
                ));
                let mut args = c_args.clone();
                args.extend(["rows".into(), "row_capacity".into(), "count".into()]);
                declare_wrapper(&params, &args);
                let locals: Vec<String> = member.params.iter().map(|p| go_local(&p.name)).collect();
                let lower = go_local(&member.name);
                let locals_comma = if locals.is_empty() {
                    String::new()
                } else {
                    format!("{}, ", locals.join(", "))
                };
                let params_comma = if go_params.is_empty() {
                    String::new()
                } else {
                    format!("{}, ", go_params.join(", "))
                };
                let _ = write!(
                    self.text,
                    r#"
// {name}View writes the answers into views (as many as fit) and returns how many there are: when
// that is more than len(views), call again with a larger slice.
func (m *{go_type}) {name}View({params_comma}views []{view}) (int, error) {{
	var small [16]*C.{c_record}
	rows := small[:]
	if len(views) > len(small) {{
		rows = make([]*C.{c_record}, len(views))
	}}
	count, err := m.{lower}({locals_comma}rows[:len(views)])
	for i := range min(count, len(views)) {{
		// The plugin's answer: checked against the table, and the view made from the table.
		index, bad := m.index{view}(uintptr(unsafe.Pointer(rows[i])))
		if bad != nil {{
			return 0, bad
		}}
		views[i] = {view}{{&m.table[index], m}}
	}}
	return count, err
}}

// {lower} writes the answers into rows (as many as fit) and returns how many there are.
func (m *{go_type}) {lower}({params_comma}rows []*C.{c_record}) (int, error) {{
	if err := m.check(); err != nil {{
		return 0, err
	}}
	var count C.size_t
	var status C.rp_status
	var msg message
	var first **C.{c_record}
	if len(rows) > 0 {{
		first = &rows[0]
	}}
	C.{w}({args}, first, C.size_t(len(rows)), &count, &status, (*C.uintptr_t)(&msg))
{keep_alive}	runtime.KeepAlive(m)
	if status != C.RP_OK && status != C.RP_BUFFER_TOO_SMALL {{
		return 0, msg.error(status)
	}}
	return int(count), nil
}}

{docs}//
// The list is the caller's; the rows in it are shared (built once per row), and must not be
// modified.
func (m *{go_type}) {name}({params}) ([]*{value}, error) {{
	var small [16]*C.{c_record}
	rows := small[:]
	count, err := m.{lower}({locals_comma}rows)
	if err != nil {{
		return nil, err
	}}
	if count > len(rows) {{
		rows = make([]*C.{c_record}, count)
		if count, err = m.{lower}({locals_comma}rows); err != nil {{
			return nil, err
		}}
		if count > len(rows) {{
			return nil, fmt.Errorf("%w: the answers changed between two calls", {invalid})
		}}
	}}
	values := make([]*{value}, count)
	for i := range values {{
		if values[i], err = m.shared{view}(uintptr(unsafe.Pointer(rows[i]))); err != nil {{
			return nil, err
		}}
	}}
	return values, nil
}}
"#,
                    docs = comment(&docs, "// "),
                    params = go_params.join(", "),
                    args = go_args.join(", "),
                    invalid = self.go.invalid_argument,
                );
            }
            Shape::Answers(record) => {
                let c_record = self.c_name(&d.records[record].name);
                let view = format!("{}View", camel(&d.records[record].name));
                let value = self.record_type(record);
                let keys = go_local(&member.keys().expect("checked: a batch has its keys").name);
                let mut params = c_params.clone();
                params.push("uintptr_t *rows".into());
                let mut args = c_args.clone();
                args.push(format!("(const {c_record} **)rows"));
                declare_wrapper(&params, &args);
                let _ = write!(
                    self.text,
                    r#"
{docs}//
// answers[i] receives the answer for {keys}[i], nil when there is none; len(answers) must be
// len({keys}). One cgo call answers every key. The answers are shared (built once per row) and
// must not be modified.
func (m *{go_type}) {name}({params}, answers []*{value}) error {{
	if len(answers) != len({keys}) {{
		return fmt.Errorf("%w: %d answers for %d keys", {invalid}, len(answers), len({keys}))
	}}
	if err := m.check(); err != nil {{
		return err
	}}
	if len({keys}) == 0 {{
		return nil
	}}
	pack := keyPacks.Get().(*keyPack)
	defer pack.release()
	packed := pack.fill({keys})
	var status C.rp_status
	var msg message
	C.{w}({args}, &pack.rows[0], &status, (*C.uintptr_t)(&msg))
{keep_alive}	runtime.KeepAlive(m)
	if status != C.RP_OK {{
		return msg.error(status)
	}}
	for i, row := range pack.rows {{
		if row == 0 {{
			answers[i] = nil
			continue
		}}
		index, err := m.index{view}(uintptr(row))
		if err != nil {{
			return err
		}}
		answers[i] = m.shared{view}At(index)
	}}
	return nil
}}
"#,
                    docs = comment(&docs, "// "),
                    params = go_params.join(", "),
                    args = go_args.join(", "),
                    invalid = self.go.invalid_argument,
                );
            }
        }
        Ok(())
    }
}

/// A batch's keys as C reads them, emitted when a function takes a batch.
const KEY_PACK: &str = r#"
// keyPack holds a batch's keys packed as rp_str_pack lays them out, and the addresses of its
// answers: Go memory with no Go pointers in it, which cgo lets C read and write during the call.
// The packs are pooled: a batch allocates nothing once the pool holds one large enough.
type keyPack struct {
	bytes []byte
	ends  []C.size_t
	rows  []C.uintptr_t
}

var keyPacks = sync.Pool{New: func() any { return new(keyPack) }}

// maxPooledKeyBytes bounds the memory the pool keeps: a larger pack is left to the collector.
const maxPooledKeyBytes = 1 << 20

// fill packs keys, and makes room for one answer per key.
func (p *keyPack) fill(keys []string) C.rp_str_pack {
	total := 0
	for _, key := range keys {
		total += len(key)
	}
	p.bytes = slices.Grow(p.bytes[:0], total)[:total]
	p.ends = slices.Grow(p.ends[:0], len(keys))[:len(keys)]
	p.rows = slices.Grow(p.rows[:0], len(keys))[:len(keys)]
	end := 0
	for i, key := range keys {
		end += copy(p.bytes[end:], key)
		p.ends[i] = C.size_t(end)
	}
	return C.rp_str_pack{
		bytes: (*C.char)(unsafe.Pointer(unsafe.SliceData(p.bytes))),
		ends:  unsafe.SliceData(p.ends),
		len:   C.size_t(len(keys)),
	}
}

// release returns the pack to the pool, unless it grew too large to keep.
func (p *keyPack) release() {
	if cap(p.bytes)+8*cap(p.ends)+8*cap(p.rows) <= maxPooledKeyBytes {
		keyPacks.Put(p)
	}
}
"#;

/// The view of a `[]byte` argument, emitted when a function takes one.
const BYTES_VIEW: &str = r#"
// bytesView is a view of b for the duration of one call.
func bytesView(b []byte) C.rp_str {
	return C.rp_str{ptr: (*C.char)(unsafe.Pointer(unsafe.SliceData(b))), len: C.size_t(len(b))}
}
"#;

/// Copies into Go values, emitted when a resource answers rows or lists.
const ARENA: &str = r#"
// arena copies C strings into one Go buffer.
type arena struct {
	bytes []byte
}

func (a *arena) copy(s C.rp_str) string {
	if s.len == 0 {
		return ""
	}
	n := copy(a.bytes, unsafe.Slice((*byte)(unsafe.Pointer(s.ptr)), int(s.len)))
	copied := unsafe.String(&a.bytes[0], n)
	a.bytes = a.bytes[n:]
	return copied
}

func newArena(lists ...[]C.rp_str) arena {
	total := 0
	for _, list := range lists {
		for _, s := range list {
			total += int(s.len)
		}
	}
	return arena{bytes: make([]byte, total)}
}

// copyStrings copies a C string list into Go strings sharing one allocation.
func copyStrings(list []C.rp_str) []string {
	bytes := newArena(list)
	strs := make([]string, len(list))
	for i, s := range list {
		strs[i] = bytes.copy(s)
	}
	return strs
}
"#;

/// A string answer as a Go string, emitted for functions answering strings.
const ANSWER_STRING: &str = r#"
// answerString returns an answer as a Go string: a substring of the argument it is a part of (no
// copy), the caller's heap buffer it was written into (owned, no copy), or else a copy of the
// bytes it points to (a stack buffer about to be reused).
func answerString(answer C.rp_str, owned []byte, arguments ...string) string {
	if answer.len == 0 {
		return ""
	}
	at := uintptr(unsafe.Pointer(answer.ptr))
	for _, argument := range arguments {
		start := uintptr(unsafe.Pointer(unsafe.StringData(argument)))
		if at >= start && at+uintptr(answer.len) <= start+uintptr(len(argument)) {
			offset := int(at - start)
			return argument[offset : offset+int(answer.len)]
		}
	}
	if owned != nil && at == uintptr(unsafe.Pointer(unsafe.SliceData(owned))) {
		return unsafe.String(unsafe.SliceData(owned), int(answer.len))
	}
	return string(unsafe.Slice((*byte)(unsafe.Pointer(answer.ptr)), int(answer.len)))
}
"#;

/// The name of the member of `resource` with `shape`.
fn member_named(resource: &Resource, shape: Shape) -> &str {
    resource
        .members
        .iter()
        .find(|m| m.shape == shape)
        .map(|m| m.name.as_str())
        .expect("checked by the model")
}

/// A WIT doc comment as Go's doc convention wants it: starting with the name.
fn go_docs(docs: &str, name: &str) -> String {
    if docs.is_empty() {
        return format!("{name} is generated from the definition.");
    }
    let mut chars = docs.chars();
    let first = chars
        .next()
        .map(|c| c.to_ascii_lowercase())
        .unwrap_or_default();
    format!("{name}: {first}{}", chars.as_str())
}
