package tlv

// Find returns the first data object with the tag, searching depth first through
// nested templates in the order they were read.
func Find(objs []TLV, tag Tag) (TLV, bool) {
	for _, obj := range objs {
		if obj.Tag == tag {
			return obj, true
		}
		if found, ok := Find(obj.Children, tag); ok {
			return found, true
		}
	}
	return TLV{}, false
}

// FindAll returns every data object with the tag, at any depth, in reading order.
func FindAll(objs []TLV, tag Tag) []TLV {
	var found []TLV
	for _, obj := range objs {
		if obj.Tag == tag {
			found = append(found, obj)
		}
		found = append(found, FindAll(obj.Children, tag)...)
	}
	return found
}

// FindPath follows a path of tags from the top level down, each step among the
// children of the previous one: FindPath(fci, 0x6F, 0xA5, 0xBF0C) is the issuer
// discretionary data of an FCI.
func FindPath(objs []TLV, path ...Tag) (TLV, bool) {
	if len(path) == 0 {
		return TLV{}, false
	}
	for _, obj := range objs {
		if obj.Tag != path[0] {
			continue
		}
		if len(path) == 1 {
			return obj, true
		}
		if found, ok := FindPath(obj.Children, path[1:]...); ok {
			return found, true
		}
	}
	return TLV{}, false
}

// Value returns the value of the first primitive data object with the tag at any
// depth, for reading a data element out of a response.
func Value(objs []TLV, tag Tag) ([]byte, bool) {
	obj, ok := Find(objs, tag)
	if !ok || tag.Constructed() {
		return nil, false
	}
	return obj.Value, true
}
