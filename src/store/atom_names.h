// The names content atoms are filed under (schema version 4): `atoms.modality`,
// `atoms.subtype` and `atom_relations.relation`. Defined once, here, beside the writer
// (atom_store.h), so the extractors that write them and the SQL functions and CLI that
// read them back agree. The schema's CHECK on `atoms.modality` (schema.cpp) lists the
// same modalities.
#pragma once

namespace hart {

// What kind of content an atom is.
namespace modality {
inline constexpr char kText[] = "text";
inline constexpr char kImage[] = "image";
inline constexpr char kAudio[] = "audio";
inline constexpr char kVideo[] = "video";
inline constexpr char kDocument[] = "document";
inline constexpr char kArchive[] = "archive";
inline constexpr char kBinary[] = "binary";  // also: extraction failed (atoms.error says why)
inline constexpr char kTensor[] = "tensor";  // a model file (atoms.model_id)
inline constexpr const char* kAll[] = {kText, kImage, kAudio, kVideo, kDocument, kArchive, kBinary, kTensor};
}  // namespace modality

// How an atom was first met.
namespace subtype {
inline constexpr char kFile[] = "file";              // a path given to `hart ingest`
inline constexpr char kMember[] = "member";          // an archive member, an office package's media
inline constexpr char kEmbedded[] = "embedded";      // a picture inside a PDF
inline constexpr char kPassage[] = "passage";        // a piece of a text
inline constexpr char kPage[] = "page";              // a PDF page's text, a TIFF page
inline constexpr char kSlide[] = "slide";            // a presentation's slide text
inline constexpr char kSheet[] = "sheet";            // a spreadsheet's sheet text
inline constexpr char kFrame[] = "frame";            // a second of audio, a GIF/WebP frame
inline constexpr char kThumbnail[] = "thumbnail";    // an image's thumbnail
inline constexpr char kPatch[] = "patch";            // a cell of an image's grid
inline constexpr char kKeyframe[] = "keyframe";      // a video's key frame
inline constexpr char kAudioTrack[] = "audio_track"; // a video's sound
inline constexpr char kModel[] = "model";            // a model file (modality tensor)
inline constexpr char kStandIn[] = "stand-in";       // a parallel run's scratch row for known content
}  // namespace subtype

// atom_relations.relation: what the child is to its parent.
namespace relation {
inline constexpr char kMember[] = "member";          // label: the member's path
inline constexpr char kPassage[] = "passage";
inline constexpr char kPage[] = "page";              // PDF page text, TIFF page
inline constexpr char kSlide[] = "slide";
inline constexpr char kSheet[] = "sheet";            // label: the sheet's name
inline constexpr char kImage[] = "image";            // a picture in a PDF or an office package
inline constexpr char kMedia[] = "media";            // other media in an office package
inline constexpr char kFrame[] = "frame";            // audio second; GIF/WebP frame (label: seconds)
inline constexpr char kThumbnail[] = "thumbnail";
inline constexpr char kPatch[] = "patch";            // label: "x,y,w,h"
inline constexpr char kKeyframe[] = "keyframe";      // label: seconds
inline constexpr char kAudioTrack[] = "audio_track";
}  // namespace relation

// atoms.metadata.features.<key>: vectors computed at ingest from the decoded content
// (media/image_features.h, media/audio_features.h; a new version of a recipe gets a new
// key), read by the atom embedders (engine/atom_embedder.h).
namespace feature {
inline constexpr char kMetadataKey[] = "features";
inline constexpr char kImage[] = "image_v1";
inline constexpr char kAudio[] = "audio_v1";
}  // namespace feature

}  // namespace hart
