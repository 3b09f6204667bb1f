//! What the reader asks of wit-parser's types: what a result, an option or a list holds, whether a
//! handle owns a resource, an integer's width, and a type as WIT spells it, for messages.

use wit_parser::{Handle, Type, TypeDefKind, TypeId};

use super::Reader;
use crate::model::Int;

impl Reader<'_> {
    pub(super) fn result_of(&self, id: TypeId) -> Option<(Option<Type>, Option<Type>)> {
        match &self.resolve.types[id].kind {
            TypeDefKind::Result(r) => Some((r.ok, r.err)),
            TypeDefKind::Type(Type::Id(inner)) => self.result_of(*inner),
            _ => None,
        }
    }

    pub(super) fn option_of(&self, ty: Type) -> Option<Type> {
        let Type::Id(id) = ty else { return None };
        match &self.resolve.types[id].kind {
            TypeDefKind::Option(item) => Some(*item),
            TypeDefKind::Type(inner) => self.option_of(*inner),
            _ => None,
        }
    }

    pub(super) fn list_of(&self, id: TypeId) -> Option<Type> {
        match &self.resolve.types[id].kind {
            TypeDefKind::List(item) => Some(*item),
            TypeDefKind::Type(Type::Id(inner)) => self.list_of(*inner),
            _ => None,
        }
    }

    pub(super) fn owns(&self, id: TypeId, resource: TypeId) -> bool {
        match &self.resolve.types[id].kind {
            TypeDefKind::Handle(Handle::Own(r)) => self.resolve_alias(*r) == resource,
            _ => false,
        }
    }

    pub(super) fn resolve_alias(&self, mut id: TypeId) -> TypeId {
        while let TypeDefKind::Type(Type::Id(inner)) = self.resolve.types[id].kind {
            id = inner;
        }
        id
    }

    pub(super) fn int(&self, ty: &Type) -> Option<Int> {
        Some(match ty {
            Type::U8 => Int::U8,
            Type::U16 => Int::U16,
            Type::U32 => Int::U32,
            Type::U64 => Int::U64,
            Type::S8 => Int::S8,
            Type::S16 => Int::S16,
            Type::S32 => Int::S32,
            Type::S64 => Int::S64,
            _ => return None,
        })
    }

    /// A type as WIT spells it, for messages.
    pub(super) fn type_name(&self, ty: &Type) -> String {
        match ty {
            Type::Id(id) => {
                let def = &self.resolve.types[*id];
                match (&def.name, &def.kind) {
                    (Some(name), _) => format!("`{name}` ({})", kind_name(&def.kind)),
                    (None, TypeDefKind::List(item)) => {
                        format!("`list<{}>`", self.type_name(item).trim_matches('`'))
                    }
                    (None, TypeDefKind::Option(item)) => {
                        format!("`option<{}>`", self.type_name(item).trim_matches('`'))
                    }
                    (None, kind) => format!("a {}", kind_name(kind)),
                }
            }
            Type::Bool => "`bool`".into(),
            Type::Char => "`char`".into(),
            Type::F32 => "`f32`".into(),
            Type::F64 => "`f64`".into(),
            Type::String => "`string`".into(),
            Type::ErrorContext => "`error-context`".into(),
            int => format!("`{}`", self.int(int).map_or("?", Int::wit)),
        }
    }
}

/// What kind of type a definition is, as WIT names it.
pub(super) fn kind_name(kind: &TypeDefKind) -> &'static str {
    match kind {
        TypeDefKind::Record(_) => "record",
        TypeDefKind::Resource => "resource",
        TypeDefKind::Handle(_) => "handle",
        TypeDefKind::Flags(_) => "flags",
        TypeDefKind::Tuple(_) => "tuple",
        TypeDefKind::Variant(_) => "variant",
        TypeDefKind::Enum(_) => "enum",
        TypeDefKind::Option(_) => "option",
        TypeDefKind::Result(_) => "result",
        TypeDefKind::List(_) => "list",
        TypeDefKind::Future(_) => "future",
        TypeDefKind::Stream(_) => "stream",
        TypeDefKind::Type(_) => "type alias",
        _ => "type",
    }
}
