package http1

// DecodeMax is Decode returning at most max bytes of payload, for readers
// whose destination is smaller than the chunk: the rest of the chunk stays
// in src for the next call. Unlike Decode it stops right after the payload.
func (d *ChunkedDecoder) DecodeMax(src []byte, max int) (payload []byte, n int, err error) {
	if d.err != nil {
		return nil, 0, d.err
	}
	for n < len(src) && d.state != chData && d.state != chDone {
		if err := d.step(src[n]); err != nil {
			d.err = err
			return nil, n, err
		}
		n++
	}
	if d.state != chData || n == len(src) || max <= 0 {
		return nil, n, nil
	}
	k := min(len(src)-n, max)
	if int64(k) > d.remaining {
		k = int(d.remaining)
	}
	payload = src[n : n+k]
	n += k
	if d.remaining -= int64(k); d.remaining == 0 {
		d.state = chDataCR
	}
	return payload, n, nil
}
