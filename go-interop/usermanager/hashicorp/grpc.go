package hashicorp

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"

	"rustplugin/go-interop/usermanager"
	"rustplugin/go-interop/usermanager/hashicorp/userpb"
)

// grpcPlugin is the plugin of protocol version 2.
type grpcPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	impl usermanager.Manager
}

func (p *grpcPlugin) GRPCServer(_ *plugin.GRPCBroker, server *grpc.Server) error {
	userpb.RegisterUserManagerServer(server, &grpcServer{impl: p.impl})
	return nil
}

func (p *grpcPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &grpcClient{client: userpb.NewUserManagerClient(conn), timeout: DefaultCallTimeout}, nil
}

// grpcServer is the plugin process's gRPC service.
type grpcServer struct {
	userpb.UnimplementedUserManagerServer
	impl usermanager.Manager
}

func statusOf(err error) *userpb.Status {
	return &userpb.Status{Code: int32(usermanager.StatusOf(err)), Message: message(err)}
}

func (s *grpcServer) GetUser(_ context.Context, request *userpb.GetUserRequest) (*userpb.UserResponse, error) {
	user, err := s.impl.GetUser(fromProtoID(request.UserId))
	return &userpb.UserResponse{Status: statusOf(err), User: toProto(user)}, nil
}

func (s *grpcServer) GetUserByClaim(_ context.Context, request *userpb.GetUserByClaimRequest) (*userpb.UserResponse, error) {
	user, err := s.impl.GetUserByClaim(request.Claim, request.Value)
	return &userpb.UserResponse{Status: statusOf(err), User: toProto(user)}, nil
}

func (s *grpcServer) GetUserGroups(_ context.Context, request *userpb.GetUserRequest) (*userpb.GetUserGroupsResponse, error) {
	groups, err := s.impl.GetUserGroups(fromProtoID(request.UserId))
	return &userpb.GetUserGroupsResponse{Status: statusOf(err), Groups: groups}, nil
}

func (s *grpcServer) FindUsers(_ context.Context, request *userpb.FindUsersRequest) (*userpb.FindUsersResponse, error) {
	users, err := s.impl.FindUsers(request.Query)
	response := &userpb.FindUsersResponse{Status: statusOf(err), Users: make([]*userpb.User, len(users))}
	for i, user := range users {
		response.Users[i] = toProto(user)
	}
	return response, nil
}

// grpcClient is the host's side: every call has a deadline.
type grpcClient struct {
	client  userpb.UserManagerClient
	timeout time.Duration
}

// checkUTF8 refuses what protobuf cannot carry: a proto3 string must be UTF-8, and grpc-go
// refuses to marshal one that is not. The other paths answer such an argument ErrInvalidUTF8, so
// this one does too, before sending.
func checkUTF8(arguments ...string) error {
	for _, s := range arguments {
		if !utf8.ValidString(s) {
			return fmt.Errorf("%w: %q", usermanager.ErrInvalidUTF8, s)
		}
	}
	return nil
}

// rpcError is the error of a call that got no answer.
func rpcError(method string, err error) error {
	if grpcstatus.Code(err) == codes.DeadlineExceeded {
		return fmt.Errorf("%w: gRPC %s: %v", ErrDeadline, method, err)
	}
	return fmt.Errorf("%w: gRPC %s: %v", ErrUnavailable, method, err)
}

func (c *grpcClient) user(method string, call func(context.Context) (*userpb.UserResponse, error)) (*usermanager.User, error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	response, err := call(ctx)
	if err != nil {
		return nil, rpcError(method, err)
	}
	if err := answerError(int(response.Status.GetCode()), response.Status.GetMessage()); err != nil {
		return nil, err
	}
	return fromProto(response.User), nil
}

func (c *grpcClient) GetUser(id usermanager.UserID) (*usermanager.User, error) {
	if err := checkUTF8(id.OpaqueID, id.Idp); err != nil {
		return nil, err
	}
	return c.user("GetUser", func(ctx context.Context) (*userpb.UserResponse, error) {
		return c.client.GetUser(ctx, &userpb.GetUserRequest{UserId: toProtoID(id)})
	})
}

func (c *grpcClient) GetUserByClaim(claim, value string) (*usermanager.User, error) {
	if err := checkUTF8(claim, value); err != nil {
		return nil, err
	}
	return c.user("GetUserByClaim", func(ctx context.Context) (*userpb.UserResponse, error) {
		return c.client.GetUserByClaim(ctx, &userpb.GetUserByClaimRequest{Claim: claim, Value: value})
	})
}

func (c *grpcClient) GetUserGroups(id usermanager.UserID) ([]string, error) {
	if err := checkUTF8(id.OpaqueID, id.Idp); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	response, err := c.client.GetUserGroups(ctx, &userpb.GetUserRequest{UserId: toProtoID(id)})
	if err != nil {
		return nil, rpcError("GetUserGroups", err)
	}
	if err := answerError(int(response.Status.GetCode()), response.Status.GetMessage()); err != nil {
		return nil, err
	}
	return response.Groups, nil
}

func (c *grpcClient) FindUsers(query string) ([]*usermanager.User, error) {
	if err := checkUTF8(query); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	response, err := c.client.FindUsers(ctx, &userpb.FindUsersRequest{Query: query})
	if err != nil {
		return nil, rpcError("FindUsers", err)
	}
	if err := answerError(int(response.Status.GetCode()), response.Status.GetMessage()); err != nil {
		return nil, err
	}
	users := make([]*usermanager.User, len(response.Users))
	for i, user := range response.Users {
		users[i] = fromProto(user)
	}
	return users, nil
}

func toProtoID(id usermanager.UserID) *userpb.UserId {
	return &userpb.UserId{OpaqueId: id.OpaqueID, Idp: id.Idp}
}

func fromProtoID(id *userpb.UserId) usermanager.UserID {
	return usermanager.UserID{OpaqueID: id.GetOpaqueId(), Idp: id.GetIdp()}
}

func toProto(u *usermanager.User) *userpb.User {
	if u == nil {
		return nil
	}
	return &userpb.User{Id: toProtoID(u.ID), Username: u.Username, Mail: u.Mail, DisplayName: u.DisplayName,
		Groups: u.Groups, Uid: u.UID, Gid: u.GID}
}

func fromProto(u *userpb.User) *usermanager.User {
	if u == nil {
		return nil
	}
	return &usermanager.User{ID: fromProtoID(u.Id), Username: u.Username, Mail: u.Mail, DisplayName: u.DisplayName,
		Groups: u.Groups, UID: u.Uid, GID: u.Gid}
}
