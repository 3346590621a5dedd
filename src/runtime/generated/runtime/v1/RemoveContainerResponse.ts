// Original file: proto/cri-v1.proto


export interface RemoveContainerResponse {
}

export interface RemoveContainerResponse__Output {
}
