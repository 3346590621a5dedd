// Original file: proto/cri-v1.proto


export interface RemoveImageResponse {
}

export interface RemoveImageResponse__Output {
}
