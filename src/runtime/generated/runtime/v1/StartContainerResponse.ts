// Original file: proto/cri-v1.proto


export interface StartContainerResponse {
}

export interface StartContainerResponse__Output {
}
