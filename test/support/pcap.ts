/**
 * RTP from pcaps for SIPp callers that send speech and digits in one call. Debian's sip-tester
 * ships speech only as A-law (g711a.pcap), and the bench's phone endpoints allow only µ-law, so
 * payloads are transcoded (ITU-T G.711); and its speech and digit pcaps are separate streams with
 * their own numbering, so each is renumbered to continue the one before.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const PCAP_HEADER = 24;
const RECORD_HEADER = 16;
const ETHERNET = 14;
const UDP = 8;
const RTP = 12;

function alawToLinear(value: number): number {
  const a = value ^ 0x55;
  let t = (a & 0x0f) << 4;
  const segment = (a & 0x70) >> 4;
  if (segment === 0) t += 8;
  else t = (t + 0x108) << (segment - 1);
  return (a & 0x80) !== 0 ? t : -t;
}

function linearToUlaw(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  const sign = sample < 0 ? 0x80 : 0;
  let pcm = Math.min(Math.abs(sample), CLIP) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (pcm & mask) === 0 && exponent > 0; mask >>= 1) exponent -= 1;
  const mantissa = (pcm >> (exponent + 3)) & 0x0f;
  pcm = ~(sign | (exponent << 4) | mantissa);
  return pcm & 0xff;
}

/** Where a rewritten stream goes on: the RTP stream's identity, and its next sequence number and timestamp. */
export interface RtpContinuation {
  readonly ssrc: number;
  readonly seq: number;
  /** The RTP timestamp (8 kHz clock) of the rewritten file's first packet. */
  readonly timestamp: number;
}

/**
 * Writes `to`: the RTP packets of the pcap `from` as one continuing stream: the SSRC, sequence
 * numbers and timestamps of `at` onwards (relative timing kept), so that several pcaps played one
 * after another reach Asterisk as one stream (it drops packets that go back in sequence, and a
 * telephone-event whose timestamp it has seen). With `toPcmu`, A-law payloads (type 8) become
 * µ-law (type 0). Returns the next sequence number.
 */
export function rewriteRtpPcap(from: string, to: string, at: RtpContinuation, options: { readonly toPcmu?: boolean } = {}): number {
  const pcap = Buffer.from(readFileSync(from));
  if (pcap.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${from}: not a little-endian pcap file`);
  let offset = PCAP_HEADER;
  let seq = at.seq;
  let firstTimestamp: number | undefined;
  while (offset + RECORD_HEADER <= pcap.length) {
    const length = pcap.readUInt32LE(offset + 8);
    const packet = offset + RECORD_HEADER;
    const ipHeader = (pcap.readUInt8(packet + ETHERNET) & 0x0f) * 4;
    const udp = packet + ETHERNET + ipHeader;
    const rtp = udp + UDP;
    const timestamp = pcap.readUInt32BE(rtp + 4);
    firstTimestamp ??= timestamp;
    pcap.writeUInt16BE(seq & 0xffff, rtp + 2);
    pcap.writeUInt32BE((at.timestamp + (timestamp - firstTimestamp)) >>> 0, rtp + 4);
    pcap.writeUInt32BE(at.ssrc >>> 0, rtp + 8);
    pcap.writeUInt16BE(0, udp + 6); // no UDP checksum (allowed over IPv4): the packet changed
    if (options.toPcmu === true) {
      const payloadType = pcap.readUInt8(rtp + 1) & 0x7f;
      if (payloadType !== 8) throw new Error(`${from}: RTP payload type ${payloadType}, not 8 (PCMA)`);
      pcap.writeUInt8(pcap.readUInt8(rtp + 1) & 0x80, rtp + 1);
      for (let i = rtp + RTP; i < packet + length; i += 1) pcap.writeUInt8(linearToUlaw(alawToLinear(pcap.readUInt8(i))), i);
    }
    offset = packet + length;
    seq += 1;
  }
  writeFileSync(to, pcap);
  return seq;
}
