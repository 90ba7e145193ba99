//! Recorded fixes to downloaded ONNX files, applied by `models fetch`: today one, giving an open
//! dimension of a graph input a fixed size. An ONNX file is a protobuf `ModelProto`; this walks
//! only the path to one input's shape (ModelProto.graph → GraphProto.input → ValueInfoProto.type →
//! TypeProto.tensor_type → Tensor.shape → TensorShapeProto.dim) and copies every other field
//! byte for byte, weights included.

use std::borrow::Cow;

/// Why a fix could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FixError {
    #[error("the file is not a valid ONNX protobuf: {0}")]
    Malformed(&'static str),
    #[error("the graph has no input named \"{0}\"")]
    NoSuchInput(String),
    #[error("input \"{tensor}\" has {rank} dimensions, so there is no axis {axis}")]
    NoSuchAxis {
        tensor: String,
        rank: usize,
        axis: usize,
    },
}

/// One field of a protobuf message: its number, wire type and encoded value (the payload alone for
/// length-delimited fields).
struct Field<'a> {
    number: u64,
    wire: u8,
    payload: Cow<'a, [u8]>,
}

fn read_varint(buf: &[u8], at: &mut usize) -> Result<u64, FixError> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *buf
            .get(*at)
            .ok_or(FixError::Malformed("a varint runs past the end"))?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(FixError::Malformed("a varint is longer than 10 bytes"))
}

fn write_varint(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn parse(buf: &[u8]) -> Result<Vec<Field<'_>>, FixError> {
    let mut fields = Vec::new();
    let mut at = 0;
    while at < buf.len() {
        let key = read_varint(buf, &mut at)?;
        let (number, wire) = (key >> 3, (key & 7) as u8);
        let start = at;
        let payload = match wire {
            0 => {
                read_varint(buf, &mut at)?;
                &buf[start..at]
            }
            1 | 5 => {
                let n = if wire == 1 { 8 } else { 4 };
                at += n;
                buf.get(start..at)
                    .ok_or(FixError::Malformed("a fixed-width field runs past the end"))?
            }
            2 => {
                let len = read_varint(buf, &mut at)? as usize;
                let begin = at;
                at = at
                    .checked_add(len)
                    .ok_or(FixError::Malformed("a length overflows"))?;
                buf.get(begin..at).ok_or(FixError::Malformed(
                    "a length-delimited field runs past the end",
                ))?
            }
            _ => return Err(FixError::Malformed("an unknown wire type")),
        };
        fields.push(Field {
            number,
            wire,
            payload: Cow::Borrowed(payload),
        });
    }
    Ok(fields)
}

fn encode(fields: &[Field<'_>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(fields.iter().map(|f| f.payload.len() + 6).sum());
    for f in fields {
        write_varint(&mut out, (f.number << 3) | u64::from(f.wire));
        if f.wire == 2 {
            write_varint(&mut out, f.payload.len() as u64);
        }
        out.extend_from_slice(&f.payload);
    }
    out
}

/// Rewrites the one length-delimited field numbered `number` (the first) with `edit`.
fn edit_field(
    buf: &[u8],
    number: u64,
    edit: impl FnOnce(&[u8]) -> Result<Vec<u8>, FixError>,
    missing: FixError,
) -> Result<Vec<u8>, FixError> {
    let mut fields = parse(buf)?;
    let field = fields
        .iter_mut()
        .find(|f| f.number == number && f.wire == 2)
        .ok_or(missing)?;
    field.payload = Cow::Owned(edit(&field.payload)?);
    Ok(encode(&fields))
}

/// Returns the model with dimension `axis` of graph input `tensor` fixed to `size`.
pub fn fix_input_dimension(
    model: &[u8],
    tensor: &str,
    axis: usize,
    size: i64,
) -> Result<Vec<u8>, FixError> {
    let malformed = || FixError::Malformed("no graph in the model");
    edit_field(
        model,
        7,
        |graph| {
            let mut fields = parse(graph)?;
            let mut found = false;
            for field in fields.iter_mut().filter(|f| f.number == 11 && f.wire == 2) {
                let info = parse(&field.payload)?;
                let name = info.iter().find(|f| f.number == 1 && f.wire == 2);
                if name.is_none_or(|n| n.payload.as_ref() != tensor.as_bytes()) {
                    continue;
                }
                field.payload = Cow::Owned(fix_value_info(&field.payload, tensor, axis, size)?);
                found = true;
                break;
            }
            if !found {
                return Err(FixError::NoSuchInput(tensor.to_string()));
            }
            Ok(encode(&fields))
        },
        malformed(),
    )
}

fn fix_value_info(info: &[u8], tensor: &str, axis: usize, size: i64) -> Result<Vec<u8>, FixError> {
    let no_shape = || FixError::Malformed("the input has no tensor shape");
    edit_field(
        info,
        2,
        |type_proto| {
            edit_field(
                type_proto,
                1,
                |tensor_type| {
                    edit_field(
                        tensor_type,
                        2,
                        |shape| {
                            let mut dims = parse(shape)?;
                            let rank = dims.iter().filter(|d| d.number == 1).count();
                            let dim = dims
                                .iter_mut()
                                .filter(|d| d.number == 1 && d.wire == 2)
                                .nth(axis)
                                .ok_or_else(|| FixError::NoSuchAxis {
                                    tensor: tensor.to_string(),
                                    rank,
                                    axis,
                                })?;
                            // Dimension { dim_value (1): size }
                            let mut value = Vec::new();
                            write_varint(&mut value, 1 << 3);
                            write_varint(&mut value, size as u64);
                            dim.payload = Cow::Owned(value);
                            Ok(encode(&dims))
                        },
                        no_shape(),
                    )
                },
                no_shape(),
            )
        },
        no_shape(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(fields: &[(u64, &[u8])]) -> Vec<u8> {
        let owned: Vec<Field<'_>> = fields
            .iter()
            .map(|(n, p)| Field {
                number: *n,
                wire: 2,
                payload: Cow::Borrowed(*p),
            })
            .collect();
        encode(&owned)
    }

    /// A ModelProto with one input "x" of shape [batch, 7] and an unrelated field before it.
    fn model_with_open_batch() -> Vec<u8> {
        let dim_param = message(&[(2, b"batch")]);
        let mut dim_seven = Vec::new();
        write_varint(&mut dim_seven, 1 << 3);
        write_varint(&mut dim_seven, 7);
        let shape = message(&[(1, &dim_param), (1, &dim_seven)]);
        let tensor = message(&[(2, &shape)]);
        let type_proto = message(&[(1, &tensor)]);
        let info = message(&[(1, b"x"), (2, &type_proto)]);
        let graph = message(&[(2, b"graph-name"), (11, &info)]);
        message(&[(3, b"producer"), (7, &graph)])
    }

    fn dims_of(model: &[u8]) -> Vec<Vec<u8>> {
        let graph = parse(model)
            .unwrap()
            .into_iter()
            .find(|f| f.number == 7)
            .unwrap();
        let graph = parse(&graph.payload).unwrap();
        let info = graph.iter().find(|f| f.number == 11).unwrap();
        let ty = parse(&info.payload)
            .unwrap()
            .into_iter()
            .find(|f| f.number == 2)
            .unwrap();
        let tensor = parse(&ty.payload).unwrap().into_iter().next().unwrap();
        let shape = parse(&tensor.payload)
            .unwrap()
            .into_iter()
            .find(|f| f.number == 2)
            .unwrap();
        parse(&shape.payload)
            .unwrap()
            .into_iter()
            .map(|d| d.payload.into_owned())
            .collect()
    }

    #[test]
    fn the_batch_dimension_becomes_a_value_and_the_rest_is_kept() {
        let model = model_with_open_batch();
        let fixed = fix_input_dimension(&model, "x", 0, 1).unwrap();
        let dims = dims_of(&fixed);
        assert_eq!(dims[0], vec![0x08, 0x01], "dim_value 1");
        assert_eq!(
            dims[1],
            vec![0x08, 0x07],
            "the second dimension is untouched"
        );
        assert!(fixed.windows(8).any(|w| w == b"producer"));
        assert!(fixed.windows(10).any(|w| w == b"graph-name"));
    }

    #[test]
    fn a_missing_input_or_axis_and_garbage_are_named() {
        let model = model_with_open_batch();
        assert_eq!(
            fix_input_dimension(&model, "y", 0, 1),
            Err(FixError::NoSuchInput("y".into()))
        );
        assert!(matches!(
            fix_input_dimension(&model, "x", 5, 1),
            Err(FixError::NoSuchAxis { rank: 2, .. })
        ));
        assert!(matches!(
            fix_input_dimension(&[0x3a, 0xff, 0xff, 0x01], "x", 0, 1),
            Err(FixError::Malformed(_))
        ));
    }
}
