// SPDX-License-Identifier: GPL-3.0-or-later
// Reads and writes little-endian float32 .npy files (NumPy format 1.0–3.0),
// the exchange format between the exporter, ONNX Runtime and Convscope's
// tests.  Anything else (other dtypes, Fortran order, truncated data) is
// rejected with a message naming the file, never silently reinterpreted.
'use strict';

const fs = require('fs');

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

function fail(path, what) {
  throw new Error(`${path}: not a float32 .npy file: ${what}`);
}

// Returns { shape: number[], data: Float32Array }.
function readNpy(path) {
  const buf = fs.readFileSync(path);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC))
    fail(path, 'missing the \\x93NUMPY magic');
  const major = buf[6];
  let headerLen, headerStart;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12)
      fail(path, 'truncated header');
    headerLen = buf.readUInt32LE(8);
    headerStart = 12;
  } else {
    fail(path, `unknown format version ${major}`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > buf.length)
    fail(path, 'truncated header');
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', headerStart, dataStart);

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header);
  if (!descr || descr[1] !== '<f4')
    fail(path, `dtype ${descr ? descr[1] : '(none)'} instead of <f4`);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  if (!fortran || fortran[1] !== 'False')
    fail(path, 'Fortran order is not supported');
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!shapeMatch)
    fail(path, 'no shape in header');
  const shape = shapeMatch[1].split(',').map(s => s.trim()).filter(s => s.length > 0)
    .map(s => {
      if (!/^\d+$/.test(s))
        fail(path, `bad dimension "${s}"`);
      return Number(s);
    });

  const count = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count) || buf.length - dataStart !== count * 4)
    fail(path, `shape (${shape.join(', ')}) needs ${count * 4} data bytes, ` +
         `file has ${buf.length - dataStart}`);
  // Copy so the data is aligned whatever the header length was.
  const data = new Float32Array(count);
  Buffer.from(data.buffer).set(buf.subarray(dataStart));
  return { shape, data };
}

function writeNpy(path, shape, data) {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // Pad so the data starts at a multiple of 64 bytes, as NumPy does.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  MAGIC.copy(prefix, 0);
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  fs.writeFileSync(path, Buffer.concat([prefix, Buffer.from(header, 'latin1'), body]));
}

module.exports = { readNpy, writeNpy };
