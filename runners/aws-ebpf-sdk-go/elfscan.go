package main

import (
	"debug/elf"
	"encoding/binary"
	"strings"
)

// What the adapter reads from the object itself, outside the timed phases,
// to say why the SDK did what it did: which section holds the requested
// program, which programs the SDK loads, whether the object has BTF, and
// which map relocations the SDK can only resolve through its process-wide
// cache. It mirrors pkg/elfparser/elf.go of v1.0.17 (parseSection,
// isProgTypeSupported, parseProg); the SDK exports none of it.

// sdkSections are the section prefixes (before the first '/', lower-cased)
// that elfparser isProgTypeSupported accepts; every other PROGBITS section is
// skipped without a word.
var sdkSections = map[string]bool{
	"xdp": true, "tc_cls": true, "tc_act": true, "kprobe": true, "kretprobe": true, "tracepoint": true,
}

const supportedList = "xdp, tc_cls, tc_act, kprobe, kretprobe, tracepoint"

// sdkLoadsSection is whether the SDK takes functions of section s as programs.
func sdkLoadsSection(s *elf.Section) bool {
	if s.Type != elf.SHT_PROGBITS || s.Name == ".text" || s.Name == "license" || s.Name == "maps" {
		return false
	}
	return sdkSectionName(s.Name)
}

// sdkSectionName is whether isProgTypeSupported accepts section name.
func sdkSectionName(name string) bool {
	return sdkSections[strings.ToLower(strings.Split(name, "/")[0])]
}

// candidate is a program the SDK loads: its name, the program type the SDK
// gives it (the section's first part, lower-cased) and its own instructions.
type candidate struct {
	name     string
	progType string
	insns    int
}

// objectFacts is what elfscan found; zero when the file is no ELF.
type objectFacts struct {
	section    map[string]string // function symbol -> its section
	candidates []candidate       // STB_GLOBAL functions in sections the SDK loads
	textInsns  int               // instructions of .text, appended to every program that calls
	hasBTF     bool
	relocNames []string // symbols of LD_IMM64 relocations that name no legacy map
}

// scan reads the facts of the object at path; errors leave them empty.
func scan(path string) objectFacts {
	facts := objectFacts{section: map[string]string{}}
	f, err := elf.Open(path)
	if err != nil {
		return facts
	}
	defer f.Close()
	facts.hasBTF = f.Section(".BTF") != nil
	if text := f.Section(".text"); text != nil && text.Type == elf.SHT_PROGBITS {
		facts.textInsns = int(text.Size / 8)
	}
	syms, err := f.Symbols()
	if err != nil {
		return facts
	}
	legacyMaps := map[string]bool{}
	for _, sym := range syms {
		if int(sym.Section) <= 0 || int(sym.Section) >= len(f.Sections) {
			continue
		}
		sec := f.Sections[sym.Section]
		if sec.Name == "maps" {
			legacyMaps[sym.Name] = true
		}
		if elf.ST_TYPE(sym.Info) != elf.STT_FUNC {
			continue
		}
		facts.section[sym.Name] = sec.Name
		if elf.ST_BIND(sym.Info) == elf.STB_GLOBAL && sdkLoadsSection(sec) {
			facts.candidates = append(facts.candidates, candidate{
				name: sym.Name, progType: strings.ToLower(strings.Split(sec.Name, "/")[0]), insns: int(sym.Size / 8)})
		}
	}
	for _, rel := range f.Sections {
		if rel.Type != elf.SHT_REL || int(rel.Info) >= len(f.Sections) {
			continue
		}
		target := f.Sections[rel.Info]
		if target.Name != ".text" && !sdkLoadsSection(target) {
			continue
		}
		facts.relocNames = append(facts.relocNames, ldImm64Symbols(f, rel, target, syms, legacyMaps)...)
	}
	return facts
}

// ldImm64Symbols are the symbol names of rel's relocations on LD_IMM64
// instructions of target that name no legacy map of the object.
func ldImm64Symbols(f *elf.File, rel, target *elf.Section, syms []elf.Symbol, legacyMaps map[string]bool) []string {
	relData, err1 := rel.Data()
	code, err2 := target.Data()
	if err1 != nil || err2 != nil {
		return nil
	}
	var names []string
	for off := 0; off+16 <= len(relData); off += 16 {
		at := binary.LittleEndian.Uint64(relData[off:])
		symIdx := int(elf.R_SYM64(binary.LittleEndian.Uint64(relData[off+8:]))) - 1
		if symIdx < 0 || symIdx >= len(syms) || at >= uint64(len(code)) {
			continue
		}
		if code[at] == 0x18 && !legacyMaps[syms[symIdx].Name] { // BPF_LD | BPF_IMM | BPF_DW
			names = append(names, syms[symIdx].Name)
		}
	}
	return names
}
