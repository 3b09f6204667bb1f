//! Reads a WIT definition into the model (`model.rs`), refusing everything the generator cannot
//! bind with the file, line and construct.

use std::path::Path;

use anyhow::{bail, Context as _};
use semver::Version;
use wit_parser::{
    Function, FunctionKind, Resolve, Span, Stability, Type, TypeDefKind, TypeId, WorldItem,
};

mod types;

use types::kind_name;

use crate::model::{
    docs, Case, Definition, Field, FieldType, Int, Member, Param, ParamType, Record, Resource,
    Shape, TextFunction, WorldFunction, STATUSES,
};

/// Reads the definition at `wit`, shown in messages and generated files as `shown`.
pub fn read(wit: &Path, shown: &str) -> anyhow::Result<Definition> {
    let mut resolve = Resolve::default();
    let package = resolve
        .push_file(wit)
        .with_context(|| format!("{shown}: not a WIT definition"))?;
    Reader {
        resolve: &resolve,
        shown,
    }
    .definition(package)
}

struct Reader<'a> {
    resolve: &'a Resolve,
    shown: &'a str,
}

impl Reader<'_> {
    /// An error at `span`: `file:line:column: message`.
    fn at(&self, span: Span, message: impl std::fmt::Display) -> anyhow::Error {
        let location = self.resolve.render_location(span);
        let location = if location.is_empty() {
            self.shown.to_owned()
        } else {
            location
        };
        anyhow::anyhow!("{location}: {message}")
    }

    fn definition(&self, id: wit_parser::PackageId) -> anyhow::Result<Definition> {
        let package = &self.resolve.packages[id];
        let Some(version) = package.name.version.clone() else {
            bail!(
                "{}: package {} has no version: the version is the C ABI's (`package ns:name@1.0.0;`)",
                self.shown,
                package.name
            );
        };
        let mut worlds = package.worlds.values();
        let (Some(&world_id), None) = (worlds.next(), worlds.next()) else {
            bail!(
                "{}: a definition has exactly one world (the plugin's exports)",
                self.shown
            );
        };
        let world = &self.resolve.worlds[world_id];
        if let Some((key, _)) = world
            .imports
            .iter()
            .find(|(_, item)| !matches!(item, WorldItem::Type { .. }))
        {
            bail!(
                "{}: world {} imports {}: a plugin imports nothing from its host (not supported)",
                self.shown,
                world.name,
                self.resolve.name_world_key(key)
            );
        }
        let mut definition = Definition {
            source: self.shown.to_owned(),
            namespace: package.name.namespace.clone(),
            package: package.name.name.clone(),
            version,
            docs: docs(&package.docs),
            errors: Vec::new(),
            records: Vec::new(),
            functions: Vec::new(),
            text_functions: Vec::new(),
            resources: Vec::new(),
        };
        for item in world.exports.values() {
            match item {
                WorldItem::Function(function) => {
                    definition.functions.push(self.world_function(function)?)
                }
                WorldItem::Interface { id, .. } => self.interface(*id, &mut definition)?,
                WorldItem::Type { span, .. } => {
                    return Err(self.at(
                        *span,
                        "a type exported by a world (export it from an interface)",
                    ))
                }
            }
        }
        Ok(definition)
    }

    fn world_function(&self, function: &Function) -> anyhow::Result<WorldFunction> {
        let int = |ty: &Type, what: &str| {
            self.int(ty).ok_or_else(|| {
                self.at(
                    function.span,
                    format!(
                        "{what} of world function `{}` is {}: world functions take and return integers only",
                        function.name,
                        self.type_name(ty)
                    ),
                )
            })
        };
        let params = function
            .params
            .iter()
            .map(|p| {
                Ok((
                    p.name.clone(),
                    int(&p.ty, &format!("parameter `{}`", p.name))?,
                ))
            })
            .collect::<anyhow::Result<_>>()?;
        let Some(result) = &function.result else {
            return Err(self.at(
                function.span,
                format!("world function `{}` returns nothing", function.name),
            ));
        };
        Ok(WorldFunction {
            name: function.name.clone(),
            docs: docs(&function.docs),
            params,
            result: int(result, "the result")?,
        })
    }

    fn interface(
        &self,
        id: wit_parser::InterfaceId,
        definition: &mut Definition,
    ) -> anyhow::Result<()> {
        let interface = &self.resolve.interfaces[id];
        for &type_id in interface.types.values() {
            let ty = &self.resolve.types[type_id];
            let name = ty.name.clone().unwrap_or_default();
            match &ty.kind {
                TypeDefKind::Enum(cases) if name == "error" => {
                    for case in &cases.cases {
                        if !STATUSES.contains(&case.name.as_str()) {
                            return Err(self.at(
                                case.span,
                                format!(
                                    "error case `{}` is no status of the C ABI; the cases are {}",
                                    case.name,
                                    STATUSES.join(", ")
                                ),
                            ));
                        }
                        definition.errors.push(Case {
                            name: case.name.clone(),
                            docs: docs(&case.docs),
                        });
                    }
                }
                TypeDefKind::Record(record) => {
                    let mut fields = Vec::new();
                    for field in &record.fields {
                        let ty = match field.ty {
                            Type::String => FieldType::Text,
                            Type::Id(list) if self.list_of(list) == Some(Type::String) => FieldType::TextList,
                            _ => {
                                return Err(self.at(
                                    field.span,
                                    format!(
                                        "field `{}` of record `{name}` is {}: record fields are `string` or \
                                         `list<string>` (a record is laid out as its C view)",
                                        field.name,
                                        self.type_name(&field.ty)
                                    ),
                                ))
                            }
                        };
                        fields.push(Field {
                            name: field.name.clone(),
                            docs: docs(&field.docs),
                            ty,
                        });
                    }
                    definition.records.push(Record {
                        name,
                        docs: docs(&ty.docs),
                        fields,
                    });
                }
                TypeDefKind::Resource => definition.resources.push(Resource {
                    name,
                    docs: docs(&ty.docs),
                    members: Vec::new(),
                }),
                _ => {
                    return Err(self.at(
                        ty.span,
                        format!(
                            "type `{name}` ({}): an interface declares an `error` enum, records and resources",
                            kind_name(&ty.kind)
                        ),
                    ))
                }
            }
        }
        if definition.errors.is_empty() && !interface.functions.is_empty() {
            return Err(self.at(
                interface.span,
                "the interface has no `enum error` (its statuses)",
            ));
        }
        for function in interface.functions.values() {
            let resource_id = match function.kind {
                FunctionKind::Static(id) | FunctionKind::Method(id) => id,
                FunctionKind::Freestanding if self.answers_text(function) => {
                    let params = self.params(function, 0)?;
                    if let Some(keys) = params.iter().find(|p| p.ty == ParamType::StrPack) {
                        return Err(self.at(
                            function.span,
                            format!(
                                "`{}` takes `{}: list<string>`, which only a resource's batch takes (its keys)",
                                function.name, keys.name
                            ),
                        ));
                    }
                    definition.text_functions.push(TextFunction {
                        name: function.name.clone(),
                        docs: docs(&function.docs),
                        params,
                    });
                    continue;
                }
                FunctionKind::Freestanding => {
                    definition.functions.push(self.world_function(function)?);
                    continue;
                }
                FunctionKind::Constructor(_) => return Err(self.at(
                    function.span,
                    "a `constructor`: use `static func(..) -> result<R, error>`, which can fail",
                )),
                _ => {
                    return Err(self.at(
                        function.span,
                        format!("function `{}`: not supported", function.name),
                    ))
                }
            };
            let member = self.member(function, resource_id, definition)?;
            let resource_name = self.resolve.types[resource_id]
                .name
                .clone()
                .unwrap_or_default();
            let resource = definition
                .resources
                .iter_mut()
                .find(|r| r.name == resource_name)
                .expect("methods follow their resource");
            resource.members.push(member);
        }
        // `free` sits right after the first version's constructors.
        for resource in &mut definition.resources {
            let Some(first_method) = resource
                .members
                .iter()
                .position(|m| m.shape != Shape::Constructor || m.since_minor != 0)
            else {
                bail!(
                    "{}: resource `{}` has no methods",
                    self.shown,
                    resource.name
                );
            };
            resource.members.insert(
                first_method,
                Member {
                    name: "free".into(),
                    docs: String::new(),
                    since_minor: 0,
                    params: Vec::new(),
                    shape: Shape::Free,
                },
            );
            self.check_table(resource, &definition.records)?;
        }
        Ok(())
    }

    fn member(
        &self,
        function: &Function,
        resource: TypeId,
        definition: &Definition,
    ) -> anyhow::Result<Member> {
        let name = function.item_name().to_owned();
        let since_minor = self.since_minor(function, &definition.version)?;
        let is_method = matches!(function.kind, FunctionKind::Method(_));
        let params = self.params(function, usize::from(is_method))?;
        let unsupported = |what: &str| {
            self.at(
                function.span,
                format!(
                    "`{name}: {}func` {what}; see the shapes rp-bindgen binds (tools/rp-bindgen/README.md)",
                    if is_method { "" } else { "static " }
                ),
            )
        };
        let record_of = |ty: Type| -> Option<usize> {
            let Type::Id(id) = ty else { return None };
            let def = &self.resolve.types[id];
            matches!(def.kind, TypeDefKind::Record(_))
                .then(|| {
                    definition
                        .records
                        .iter()
                        .position(|r| Some(&r.name) == def.name.as_ref())
                })
                .flatten()
        };
        let shape = match (is_method, &function.result) {
            (false, Some(Type::Id(id))) => {
                let (ok, err) = self
                    .result_of(*id)
                    .ok_or_else(|| unsupported("does not return a result"))?;
                self.check_error(function, err)?;
                match ok {
                    Some(Type::Id(own)) if self.owns(own, resource) => Shape::Constructor,
                    _ => {
                        return Err(unsupported(
                            "is static but returns no resource: static functions create one",
                        ))
                    }
                }
            }
            (true, Some(ty @ Type::Id(id))) => {
                if let Some((ok, err)) = self.result_of(*id) {
                    self.check_error(function, err)?;
                    match ok {
                        Some(ty) if record_of(ty).is_some() => Shape::Row(record_of(ty).unwrap()),
                        Some(Type::Id(list)) => match self.list_of(list) {
                            Some(Type::String) => Shape::TextList,
                            Some(item) if record_of(item).is_some() => {
                                Shape::Rows(record_of(item).unwrap())
                            }
                            Some(item) if self.option_of(item).and_then(record_of).is_some() => {
                                let keys = params.iter().filter(|p| p.ty == ParamType::StrPack);
                                if keys.count() != 1 {
                                    return Err(unsupported(
                                        "answers list<option<record>> (a batch) without exactly one \
                                         `list<string>` parameter, its keys",
                                    ));
                                }
                                Shape::Answers(self.option_of(item).and_then(record_of).unwrap())
                            }
                            _ => {
                                return Err(unsupported(
                                    "returns a list of neither strings nor records",
                                ))
                            }
                        },
                        _ => {
                            return Err(unsupported(
                                "returns a result of neither a record nor a list",
                            ))
                        }
                    }
                } else if let Some(record) = self.list_of(*id).and_then(record_of) {
                    if !params.is_empty() {
                        return Err(unsupported(
                            "is a table (returns list<record> without a result) with parameters",
                        ));
                    }
                    Shape::Table(record)
                } else {
                    let _ = ty;
                    return Err(unsupported("returns neither a result nor a table"));
                }
            }
            (true, Some(ty)) if self.int(ty) == Some(Int::U64) && name.ends_with("-count") => {
                let record = name.trim_end_matches("-count");
                let record = definition
                    .records
                    .iter()
                    .position(|r| r.name == record)
                    .ok_or_else(|| {
                        unsupported(&format!(
                            "counts records `{record}`, which are not declared"
                        ))
                    })?;
                if !params.is_empty() {
                    return Err(unsupported("counts a table but takes parameters"));
                }
                Shape::Count(record)
            }
            _ => return Err(unsupported("has a result rp-bindgen does not bind")),
        };
        if !matches!(shape, Shape::Answers(_)) {
            if let Some(keys) = params.iter().find(|p| p.ty == ParamType::StrPack) {
                return Err(unsupported(&format!(
                    "takes `{}: list<string>`, which only a batch takes (its keys; a batch answers \
                     `result<list<option<record>>, error>`)",
                    keys.name
                )));
            }
        }
        Ok(Member {
            name,
            docs: docs(&function.docs),
            since_minor,
            params,
            shape,
        })
    }

    /// The parameters of `function` after the first `skip` (a method's receiver).
    fn params(&self, function: &Function, skip: usize) -> anyhow::Result<Vec<Param>> {
        let name = function.item_name();
        let mut params = Vec::new();
        for param in function.params.iter().skip(skip) {
            let ty = match param.ty {
                Type::String => ParamType::Str,
                Type::Id(list) if self.list_of(list) == Some(Type::U8) => ParamType::Bytes,
                Type::Id(list) if self.list_of(list) == Some(Type::String) => ParamType::StrPack,
                ref ty => ParamType::Int(self.int(ty).ok_or_else(|| {
                    self.at(
                        param.span,
                        format!(
                            "parameter `{}` of `{name}` is {}: parameters are `string`, `list<u8>`, \
                             integers, or a batch's keys (`list<string>`)",
                            param.name,
                            self.type_name(&param.ty)
                        ),
                    )
                })?),
            };
            params.push(Param {
                name: param.name.clone(),
                ty,
            });
        }
        Ok(params)
    }

    /// Whether `function` answers `result<string, error>`.
    fn answers_text(&self, function: &Function) -> bool {
        match function.result {
            Some(Type::Id(id)) => matches!(
                self.result_of(id),
                Some((Some(Type::String), Some(Type::Id(err)))) if self.resolve.types[err].name.as_deref() == Some("error")
            ),
            _ => false,
        }
    }

    /// A resource with rows answers has exactly one table, of the same record.
    fn check_table(&self, resource: &Resource, records: &[Record]) -> anyhow::Result<()> {
        let tables: Vec<usize> = resource
            .members
            .iter()
            .filter_map(|m| match m.shape {
                Shape::Table(r) => Some(r),
                _ => None,
            })
            .collect();
        if tables.len() > 1 {
            bail!(
                "{}: resource `{}` has {} tables; one at most",
                self.shown,
                resource.name,
                tables.len()
            );
        }
        for member in &resource.members {
            if let Shape::Row(r) | Shape::Rows(r) | Shape::Answers(r) | Shape::Count(r) =
                member.shape
            {
                if tables.first() != Some(&r) {
                    bail!(
                        "{}: `{}.{}` answers `{}` records, but the resource has no table of them \
                         (a method `{}s: func() -> list<{}>`): answers are rows of the table",
                        self.shown,
                        resource.name,
                        member.name,
                        records[r].name,
                        records[r].name,
                        records[r].name
                    );
                }
            }
        }
        Ok(())
    }

    fn since_minor(&self, function: &Function, version: &Version) -> anyhow::Result<u64> {
        match &function.stability {
            Stability::Unknown => Ok(0),
            Stability::Stable { since, .. } => {
                if since.major != version.major || since > version {
                    return Err(self.at(
                        function.span,
                        format!(
                            "@since({since}) is not a minor version of package version {version}"
                        ),
                    ));
                }
                Ok(since.minor)
            }
            Stability::Unstable { .. } => {
                Err(self.at(function.span, "@unstable functions are not supported"))
            }
        }
    }

    fn check_error(&self, function: &Function, err: Option<Type>) -> anyhow::Result<()> {
        match err {
            Some(Type::Id(id)) if self.resolve.types[id].name.as_deref() == Some("error") => Ok(()),
            _ => Err(self.at(
                function.span,
                format!(
                    "`{}` returns a result whose error is not the interface's `error` enum",
                    function.name
                ),
            )),
        }
    }
}
