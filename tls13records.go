package holdfast

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/chacha20poly1305"
)

// recordLayer is TLS 1.3's record protection (RFC 8446 §5) for one
// server connection after its handshake, the part of TLS that the Linux
// kernel takes over in kernel TLS: crypto/tls runs the handshake, hands
// over the traffic secrets, and from then on records are sealed and opened
// here. It exists so that an idle connection of the epoll engine keeps
// only its keys and sequence numbers (about 250 bytes) instead of a
// crypto/tls.Conn with its buffers and cipher state (about 7 KiB, which
// crypto/tls cannot be asked to release): the AEADs are made again when
// the connection has something to read or write, and the input buffer
// goes back to a pool when it holds no partial record. docs/tls.md has
// the measurements.
//
// It reads application data, close_notify and other alerts, and KeyUpdate
// (answered before the next write when the client asks); any other
// record after the handshake is a protocol error. It is used by one
// goroutine at a time.
type recordLayer struct {
	suite    *suiteParams // read-only
	in, out  trafficKeys
	input    recordInput
	err      error       // sticky: a protocol error, or the close_notify seen (io.EOF)
	alert    uint8       // the alert to send for err, 0 for none
	updateTx atomic.Bool // the client asked for our KeyUpdate: the reading side sets it, the writing side sends it
}

// TLS 1.3 record constants (RFC 8446 §5).
const (
	recordHeaderLen   = 5
	maxPlaintext      = 1 << 14
	maxCiphertext13   = maxPlaintext + 256
	tagLen            = 16
	recordOverhead    = recordHeaderLen + 1 + tagLen // header, content type, AEAD tag
	recordAppData     = 23
	recordAlert       = 21
	recordHandshake   = 22
	msgKeyUpdate      = 24
	alertCloseNotify  = 0
	alertUnexpected   = 10
	alertBadRecordMAC = 20
	alertOverflow     = 22
	alertDecodeError  = 50
	alertUserCanceled = 90
)

// suiteParams describes a TLS 1.3 cipher suite.
type suiteParams struct {
	id     uint16
	keyLen int
	hash   func() hash.Hash
	aead   func(key []byte) (cipher.AEAD, error)
}

var tls13Suites = [...]suiteParams{
	{tls.TLS_AES_128_GCM_SHA256, 16, sha256.New, newAESGCM},
	{tls.TLS_AES_256_GCM_SHA384, 32, sha512.New384, newAESGCM},
	{tls.TLS_CHACHA20_POLY1305_SHA256, 32, sha256.New, chacha20poly1305.New},
}

func newAESGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func suiteByID(id uint16) *suiteParams {
	for i := range tls13Suites {
		if tls13Suites[i].id == id {
			return &tls13Suites[i]
		}
	}
	return nil
}

// trafficKeys is one direction's protection: the traffic secret (KeyUpdate
// derives the next from it), the key and IV derived from it, the record
// sequence number, and the AEAD, made on first use and dropped while the
// connection is idle.
type trafficKeys struct {
	secret [48]byte
	key    [32]byte
	iv     [12]byte
	seq    uint64
	aead   cipher.AEAD
}

var (
	errRecordsUnsupported = errors.New("holdfast: not a TLS 1.3 cipher suite the record layer knows")
	errBadRecord          = errors.New("holdfast: TLS record failed authentication")
	errRecordOverflow     = errors.New("holdfast: TLS record too large")
	errUnexpectedRecord   = errors.New("holdfast: unexpected TLS record after the handshake")
)

// peerAlertError is a fatal alert the client sent.
type peerAlertError uint8

func (e peerAlertError) Error() string {
	return fmt.Sprintf("holdfast: the client sent TLS alert %d (%v)", uint8(e), tls.AlertError(e))
}

// newRecordLayer starts the record layer of a connection whose handshake
// used suite and derived these application traffic secrets: the client's
// (what this side reads) and the server's (what it writes).
func newRecordLayer(suite uint16, clientSecret, serverSecret []byte) (*recordLayer, error) {
	p := suiteByID(suite)
	if p == nil {
		return nil, errRecordsUnsupported
	}
	r := &recordLayer{suite: p}
	if err := r.in.setSecret(p, clientSecret); err != nil {
		return nil, err
	}
	if err := r.out.setSecret(p, serverSecret); err != nil {
		return nil, err
	}
	return r, nil
}

// setSecret installs a traffic secret: key and IV from it (RFC 8446
// §7.3), sequence number 0.
func (k *trafficKeys) setSecret(p *suiteParams, secret []byte) error {
	if len(secret) != p.hash().Size() || len(secret) > len(k.secret) {
		return errRecordsUnsupported
	}
	copy(k.secret[:], secret)
	key, err := expandLabel(p.hash, secret, "key", p.keyLen)
	if err != nil {
		return err
	}
	iv, err := expandLabel(p.hash, secret, "iv", len(k.iv))
	if err != nil {
		return err
	}
	copy(k.key[:], key)
	copy(k.iv[:], iv)
	k.seq, k.aead = 0, nil
	return nil
}

// update moves to the next traffic secret (RFC 8446 §7.2), as a KeyUpdate
// asks.
func (k *trafficKeys) update(p *suiteParams) error {
	n := p.hash().Size()
	next, err := expandLabel(p.hash, k.secret[:n], "traffic upd", n)
	if err != nil {
		return err
	}
	return k.setSecret(p, next)
}

// expandLabel is HKDF-Expand-Label with an empty context (RFC 8446 §7.1).
func expandLabel(h func() hash.Hash, secret []byte, label string, length int) ([]byte, error) {
	info := make([]byte, 0, 4+6+len(label))
	info = binary.BigEndian.AppendUint16(info, uint16(length))
	info = append(info, byte(6+len(label)))
	info = append(info, "tls13 "...)
	info = append(info, label...)
	info = append(info, 0)
	return hkdf.Expand(h, secret, string(info), length)
}

// cipher returns the direction's AEAD, making it if the connection was
// idle.
func (k *trafficKeys) cipher(p *suiteParams) (cipher.AEAD, error) {
	if k.aead == nil {
		a, err := p.aead(k.key[:p.keyLen])
		if err != nil {
			return nil, err
		}
		k.aead = a
	}
	return k.aead, nil
}

// nonce is the per-record nonce: the IV with the sequence number XORed
// into its end (RFC 8446 §5.3).
func (k *trafficKeys) nonce() [12]byte {
	n := k.iv
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], k.seq)
	for i := range seq {
		n[4+i] ^= seq[i]
	}
	return n
}

// dropCiphers drops the AEADs of a connection that went idle: they are
// made again from the keys when it next reads or writes.
func (r *recordLayer) dropCiphers() { r.in.aead, r.out.aead = nil, nil }

// seal protects one record in place. rec holds the plaintext, n bytes,
// at rec[recordHeaderLen:]; its capacity leaves room for the overhead.
// It returns the record, header and tag included.
func (r *recordLayer) seal(rec []byte, n int, typ byte) ([]byte, error) {
	a, err := r.out.cipher(r.suite)
	if err != nil {
		return nil, err
	}
	rec = rec[:recordHeaderLen+n+1]
	rec[recordHeaderLen+n] = typ
	length := n + 1 + a.Overhead()
	rec[0], rec[1], rec[2] = recordAppData, 3, 3
	rec[3], rec[4] = byte(length>>8), byte(length)
	nonce := r.out.nonce()
	out := a.Seal(rec[recordHeaderLen:recordHeaderLen], nonce[:], rec[recordHeaderLen:], rec[:recordHeaderLen])
	r.out.seq++
	return rec[:recordHeaderLen+len(out)], nil
}

// keyUpdateDue reports whether the client asked for a KeyUpdate, which
// must go out before the next application data (keyUpdateRecord).
func (r *recordLayer) keyUpdateDue() bool { return r.updateTx.Load() }

// keyUpdateRecord seals our KeyUpdate (not asking for one back) into rec
// and moves the writing side to its next secret: the records after it use
// the new key.
func (r *recordLayer) keyUpdateRecord(rec []byte) ([]byte, error) {
	r.updateTx.Store(false)
	copy(rec[recordHeaderLen:], []byte{msgKeyUpdate, 0, 0, 1, 0})
	out, err := r.seal(rec, 5, recordHandshake)
	if err != nil {
		return nil, err
	}
	return out, r.out.update(r.suite)
}

// alertRecord seals an alert into rec: close_notify (a warning) or a
// fatal one.
func (r *recordLayer) alertRecord(rec []byte, alert uint8) ([]byte, error) {
	level := byte(2)
	if alert == alertCloseNotify {
		level = 1
	}
	rec[recordHeaderLen], rec[recordHeaderLen+1] = level, alert
	return r.seal(rec, 2, recordAlert)
}

// failAlert is the alert owed to the client for the error that stopped
// reading, 0 when none is (it closed, or it sent the alert).
func (r *recordLayer) failAlert() uint8 { return r.alert }

// read returns application data, decrypting records that src supplies
// (its errors, such as errWouldBlock from a loop that must not wait, pass
// through unchanged, the bytes read so far kept). io.EOF is the client's
// close_notify or its closing at a record boundary.
func (r *recordLayer) read(p []byte, src io.Reader) (int, error) {
	for {
		if len(r.input.plain) > 0 {
			n := copy(p, r.input.plain)
			r.input.plain = r.input.plain[n:]
			return n, nil
		}
		if r.err != nil {
			return 0, r.err
		}
		if rec, ok := r.input.record(); ok {
			r.openRecord(rec)
			continue
		}
		if err := r.input.fill(src); err != nil {
			return 0, r.fillFailed(err)
		}
	}
}

// fillFailed says what a failed read of the socket means: the end of the
// connection at a record boundary is a plain EOF, in the middle of a
// record a truncation.
func (r *recordLayer) fillFailed(err error) error {
	if err != io.EOF {
		return err
	}
	if r.input.buffered() > 0 {
		r.err = io.ErrUnexpectedEOF
	} else {
		r.err = io.EOF
	}
	return r.err
}

// openRecord decrypts one complete record (header included) in place and
// acts on it: application data becomes input.plain.
func (r *recordLayer) openRecord(rec []byte) {
	if rec[0] != recordAppData {
		r.fail(errUnexpectedRecord, alertUnexpected)
		return
	}
	a, err := r.in.cipher(r.suite)
	if err != nil {
		r.fail(err, 0)
		return
	}
	nonce := r.in.nonce()
	data, err := a.Open(rec[recordHeaderLen:recordHeaderLen], nonce[:], rec[recordHeaderLen:], rec[:recordHeaderLen])
	if err != nil {
		r.fail(errBadRecord, alertBadRecordMAC)
		return
	}
	r.in.seq++
	// The content type is the last non-zero byte; zeros after it are
	// padding (RFC 8446 §5.4).
	end := len(data)
	for end > 0 && data[end-1] == 0 {
		end--
	}
	if end == 0 {
		r.fail(errUnexpectedRecord, alertUnexpected)
		return
	}
	typ, data := data[end-1], data[:end-1]
	if len(data) > maxPlaintext {
		r.fail(errRecordOverflow, alertOverflow)
		return
	}
	switch typ {
	case recordAppData:
		r.input.plain = data
	case recordAlert:
		r.gotAlert(data)
	case recordHandshake:
		r.gotHandshake(data)
	default:
		r.fail(errUnexpectedRecord, alertUnexpected)
	}
}

func (r *recordLayer) gotAlert(data []byte) {
	switch {
	case len(data) != 2:
		r.fail(errUnexpectedRecord, alertDecodeError)
	case data[1] == alertCloseNotify:
		r.err = io.EOF
	case data[1] == alertUserCanceled: // a warning; close_notify follows
	default:
		r.fail(peerAlertError(data[1]), 0)
	}
}

// gotHandshake handles a post-handshake message: only KeyUpdate is one a
// client may send a server (NewSessionTicket goes the other way, and
// crypto/tls servers do not ask for certificates after the handshake).
func (r *recordLayer) gotHandshake(data []byte) {
	if len(data) != 5 || data[0] != msgKeyUpdate || data[1] != 0 || data[2] != 0 || data[3] != 1 || data[4] > 1 {
		r.fail(errUnexpectedRecord, alertUnexpected)
		return
	}
	if err := r.in.update(r.suite); err != nil {
		r.fail(err, 0)
		return
	}
	if data[4] == 1 {
		r.updateTx.Store(true)
	}
}

func (r *recordLayer) fail(err error, alert uint8) {
	r.err, r.alert = err, alert
}

// sealedCount finds how many records of written, the bytes a handshake
// sent, were sealed with the server's application key: the records sent
// after the Finished message (session tickets). They are the last ones,
// and the first of them opens with sequence number 0. written is
// overwritten. ok is false when the records cannot be told apart.
func (r *recordLayer) sealedCount(written []byte) (n uint64, ok bool) {
	probe := trafficKeys{key: r.out.key, iv: r.out.iv}
	a, err := probe.cipher(r.suite)
	if err != nil {
		return 0, false
	}
	started := false
	for len(written) >= recordHeaderLen {
		length := int(binary.BigEndian.Uint16(written[3:5]))
		if len(written) < recordHeaderLen+length {
			return 0, false
		}
		rec := written[:recordHeaderLen+length]
		written = written[len(rec):]
		if rec[0] != recordAppData {
			continue // ServerHello, ChangeCipherSpec: not protected
		}
		nonce := probe.nonce()
		_, err := a.Open(rec[recordHeaderLen:recordHeaderLen], nonce[:], rec[recordHeaderLen:], rec[:recordHeaderLen])
		switch {
		case err == nil:
			started = true
			probe.seq++
		case started:
			return 0, false // a record under another key after the application key's
		}
	}
	return probe.seq, len(written) == 0
}

// recordInput is the ciphertext read from the socket and the application
// data opened from it. Records are opened in place: plain points into buf,
// before start.
type recordInput struct {
	buf        []byte
	pool       *[]byte // the pooled array buf is, if it is one
	start, end int     // ciphertext not yet opened
	plain      []byte  // application data not yet read
	drained    bool    // the last read of the socket did not fill the space offered
}

// Input buffer sizes: a small array fits the records of most requests; a
// full-size record (uploads) needs the large one.
const (
	smallRecordBuf = 4 << 10
	largeRecordBuf = recordHeaderLen + maxCiphertext13
)

var (
	smallRecordPool = sync.Pool{New: func() any { b := make([]byte, smallRecordBuf); return &b }}
	largeRecordPool = sync.Pool{New: func() any { b := make([]byte, largeRecordBuf); return &b }}
)

func (in *recordInput) buffered() int { return in.end - in.start }

// record returns the complete record at the front of the ciphertext, if
// there is one, and consumes it.
func (in *recordInput) record() ([]byte, bool) {
	rec, ok := in.peekRecord()
	if ok {
		in.start += len(rec)
	}
	return rec, ok
}

// peekRecord returns the complete record at the front of the ciphertext,
// if there is one.
func (in *recordInput) peekRecord() ([]byte, bool) {
	avail := in.buf[in.start:in.end]
	if len(avail) < recordHeaderLen {
		return nil, false
	}
	n := recordHeaderLen + int(binary.BigEndian.Uint16(avail[3:5]))
	if len(avail) < n {
		return nil, false
	}
	return avail[:n], true
}

// fill reads more ciphertext from src, making room for the record being
// received; a header announcing an oversized record is refused.
func (in *recordInput) fill(src io.Reader) error {
	need := smallRecordBuf
	if avail := in.buf[in.start:in.end]; len(avail) >= recordHeaderLen {
		length := int(binary.BigEndian.Uint16(avail[3:5]))
		if length > maxCiphertext13 {
			return errRecordOverflow
		}
		need = recordHeaderLen + length
	}
	in.makeRoom(need)
	space := in.buf[in.end:]
	n, err := src.Read(space)
	in.end += n
	in.drained = n < len(space)
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// makeRoom moves the unopened ciphertext to the front of a buffer with
// room for need bytes from its start. It is called with no plaintext
// pending.
func (in *recordInput) makeRoom(need int) {
	if in.buf == nil {
		in.take(need)
		return
	}
	if in.start > 0 {
		n := copy(in.buf, in.buf[in.start:in.end])
		in.start, in.end = 0, n
	}
	if len(in.buf) >= need {
		return
	}
	old, oldPool, n := in.buf, in.pool, in.end
	in.take(need)
	copy(in.buf, old[:n])
	in.end = n
	putRecordBuf(oldPool)
}

func (in *recordInput) take(need int) {
	pool := &smallRecordPool
	if need > smallRecordBuf {
		pool = &largeRecordPool
	}
	in.pool = pool.Get().(*[]byte)
	in.buf = *in.pool
	in.start, in.end = 0, 0
}

// adopt makes bytes read before the record layer started (during the
// handshake) its first input.
func (in *recordInput) adopt(b []byte) {
	if len(b) == 0 {
		return
	}
	need := max(len(b), smallRecordBuf)
	if need > largeRecordBuf {
		in.buf, in.pool = make([]byte, len(b)), nil
	} else {
		in.take(need)
	}
	in.end = copy(in.buf, b)
}

// releaseIfEmpty gives the buffer back when it holds nothing unread.
func (in *recordInput) releaseIfEmpty() {
	if in.buf == nil || in.start != in.end || len(in.plain) > 0 {
		return
	}
	putRecordBuf(in.pool)
	in.buf, in.pool, in.start, in.end, in.plain = nil, nil, 0, 0, nil
}

// release gives the buffer back whatever it holds (the connection closes).
func (in *recordInput) release() {
	putRecordBuf(in.pool)
	in.buf, in.pool, in.start, in.end, in.plain = nil, nil, 0, 0, nil
}

func putRecordBuf(b *[]byte) {
	switch {
	case b == nil:
	case len(*b) == smallRecordBuf:
		smallRecordPool.Put(b)
	case len(*b) == largeRecordBuf:
		largeRecordPool.Put(b)
	}
}

// sealBufSize is a buffer that holds the largest record.
const sealBufSize = recordOverhead + maxPlaintext

var sealPool = sync.Pool{New: func() any { b := make([]byte, sealBufSize); return &b }}
